"""citeqa: answers about a folder of documents, every claim cited to its exact passage.

Library first, CLI and chat on top::

    from citeqa import Assistant
    assistant = Assistant()            # settings: defaults < citeqa.toml < CITEQA_* env
    assistant.ingest()                 # seeds/ by default; incremental
    result = assistant.ask("Where did Thailand sign the convention?")
    result["answer"], result["citations"][0]["quote"]
"""

import os

# No model hub is reachable where citeqa runs: make every library fail fast
# instead of trying to download or phone home. Set before any of them import.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

from citeqa.errors import CiteqaError  # noqa: E402
from citeqa.settings import Settings, load_settings  # noqa: E402

__all__ = ["Assistant", "CiteqaError", "Settings", "load_settings", "ask"]
__version__ = "0.1.0"


def __getattr__(name):
    # Assistant pulls in Chroma and LangChain; keep `import citeqa` cheap.
    if name == "Assistant":
        from citeqa.chat import Assistant

        return Assistant
    raise AttributeError(name)


def ask(question: str, history: list[str] | None = None, **overrides) -> dict:
    """One-shot convenience: the same object as `citeqa ask --json`."""
    from citeqa.chat import Assistant

    return Assistant(load_settings(**overrides)).ask(question, history=history)
