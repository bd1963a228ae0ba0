"""Answerer backends, registered by name. Optional ones import their packages only when chosen,
and a missing package is named with the extra that provides it."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import PrivateAttr

from citeqa.answering.extractive import ExtractiveAnswerer
from citeqa.answering.generative import ChatAnswerer
from citeqa.errors import AnswererUnavailable, SettingsError
from citeqa.settings import Settings


def _need(module: str, extra: str):
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise AnswererUnavailable(
            f"This answerer needs the Python package {module.split('.')[0]}: pip install 'citeqa[{extra}]'."
        ) from None


def _require(settings: Settings, field: str, example: str) -> str:
    value = getattr(settings, field)
    if not value:
        raise SettingsError(f"The {settings.answerer} answerer needs {field} (for example {example}).")
    return str(value)


def _openai(settings: Settings) -> tuple[BaseChatModel, str]:
    mod = _need("langchain_openai", "llm")
    model = _require(settings, "llm_model", "CITEQA_LLM_MODEL=gpt-4o-mini")
    kwargs: dict[str, Any] = {
        "model": model,
        "temperature": 0,
        "timeout": settings.llm_timeout,
        "max_retries": 1,
        "api_key": settings.llm_api_key.get_secret_value() if settings.llm_api_key else "not-needed",
    }
    if settings.llm_base_url:
        kwargs["base_url"] = settings.llm_base_url
        # Local OpenAI-compatible servers (llama.cpp, vLLM) read max_tokens; langchain-openai sends
        # max_completion_tokens, which llama.cpp's server ignores.
        kwargs["extra_body"] = {"max_tokens": settings.llm_max_tokens}
    else:
        kwargs["max_tokens"] = settings.llm_max_tokens
    return mod.ChatOpenAI(**kwargs), settings.llm_base_url or "api.openai.com"


def _ollama(settings: Settings) -> tuple[BaseChatModel, str]:
    mod = _need("langchain_ollama", "llm")
    model = _require(settings, "llm_model", "CITEQA_LLM_MODEL=llama3.2")
    base = settings.llm_base_url or "http://127.0.0.1:11434"
    chat = mod.ChatOllama(
        model=model, base_url=base, temperature=0, num_predict=settings.llm_max_tokens,
        client_kwargs={"timeout": settings.llm_timeout},
    )
    return chat, base


class LlamaCppChat(BaseChatModel):
    """A local GGUF model through llama-cpp-python (compiled from source), in process: the fallback when
    the prebuilt xllamacpp is not installed."""

    model_path: str
    max_tokens: int = 512
    n_ctx: int = 4096
    temperature: float = 0.0
    _llm: Any = PrivateAttr(default=None)

    @property
    def _llm_type(self) -> str:
        return "llamacpp"

    def _load(self):
        if self._llm is None:
            llama_cpp = _need("llama_cpp", "llamacpp")
            # logits_all off: only the last token's logits are needed to sample, and it is much faster.
            self._llm = llama_cpp.Llama(
                model_path=self.model_path, n_ctx=self.n_ctx, logits_all=False, verbose=False, seed=0
            )
        return self._llm

    def _completion(self, messages: list[BaseMessage], stop, stream: bool):
        roles = {"human": "user", "ai": "assistant", "system": "system"}
        return self._load().create_chat_completion(
            messages=[{"role": roles.get(m.type, "user"), "content": str(m.content)} for m in messages],
            max_tokens=self.max_tokens,
            temperature=self.temperature,
            stop=stop,
            stream=stream,
        )

    def _generate(self, messages: list[BaseMessage], stop=None, run_manager=None, **kwargs) -> ChatResult:
        out = self._completion(messages, stop, stream=False)
        text = out["choices"][0]["message"]["content"] or ""
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))])

    def _stream(self, messages: list[BaseMessage], stop=None, run_manager=None, **kwargs):
        for part in self._completion(messages, stop, stream=True):
            text = part["choices"][0].get("delta", {}).get("content") or ""
            if text:
                if run_manager:
                    run_manager.on_llm_new_token(text)
                yield ChatGenerationChunk(message=AIMessageChunk(content=text))


def _llamacpp(settings: Settings) -> tuple[BaseChatModel, str]:
    """A local GGUF file: served in process by prebuilt llama.cpp (xllamacpp) and spoken to over its
    OpenAI-compatible API; llama-cpp-python (compiled from source) is used only when xllamacpp is absent."""
    path = _require(settings, "llm_model", "CITEQA_LLM_MODEL=/models/model.gguf")
    if not Path(path).is_file():
        raise SettingsError(f"llm_model {path} is not a GGUF file on this machine.")
    import importlib.util

    if importlib.util.find_spec("xllamacpp") is None and importlib.util.find_spec("llama_cpp") is not None:
        return LlamaCppChat(model_path=path, max_tokens=settings.llm_max_tokens), path
    _need("xllamacpp", "llamacpp")
    mod = _need("langchain_openai", "llamacpp")
    from citeqa.answering.llamacpp import shared_server

    url, key = shared_server(path)
    chat = mod.ChatOpenAI(
        model=Path(path).name, base_url=url, api_key=key, temperature=0, timeout=settings.llm_timeout, max_retries=1,
        extra_body={"max_tokens": settings.llm_max_tokens},  # llama.cpp's server reads max_tokens
    )
    return chat, path


CHAT_BACKENDS: dict[str, Callable[[Settings], tuple[BaseChatModel, str]]] = {
    "openai": _openai,
    "ollama": _ollama,
    "llamacpp": _llamacpp,
}


def make_answerer(settings: Settings, embedder, chat_model: BaseChatModel | None = None):
    """The answerer the settings name. `chat_model` substitutes any LangChain chat model (tests, custom setups)."""
    if chat_model is not None:
        return ChatAnswerer(settings.answerer, chat_model, embedder, where="custom model")
    if settings.answerer == "extractive":
        return ExtractiveAnswerer(threshold=settings.reader_threshold)
    model, where = CHAT_BACKENDS[settings.answerer](settings)
    return ChatAnswerer(settings.answerer, model, embedder, where=where)
