"""citeqa chat: `python app.py [--host 127.0.0.1] [--port 7860] [--no-ingest] [--auth user:pass] [--operator-password PASS]` (see --help)."""
import os

os.environ.update({k: os.environ.get(k, v) for k, v in {"GRADIO_ANALYTICS_ENABLED": "False", "HF_HUB_OFFLINE": "1", "HF_HUB_DISABLE_TELEMETRY": "1"}.items()})
from citeqa.app.server import main  # noqa: E402
raise SystemExit(main())
