import json
import subprocess
import sys

import pytest

from citeqa.errors import SettingsError
from citeqa.settings import load_settings, setting_origins


def test_precedence_defaults_toml_env_flags(tmp_path, monkeypatch):
    assert load_settings().k == 5
    (tmp_path / "citeqa.toml").write_text("k = 7\nanswerer = 'extractive'\ncollection = 'fromtoml'\n")
    assert load_settings().k == 7
    monkeypatch.setenv("CITEQA_K", "9")
    s = load_settings()
    assert s.k == 9 and s.collection == "fromtoml"
    s = load_settings(k=3)
    assert s.k == 3
    origins = setting_origins(s, {"k": 3})
    assert origins["k"] == "flag" and origins["collection"] == "citeqa.toml" and origins["index_path"] == "default"


def test_bad_values_are_one_sentence(tmp_path):
    with pytest.raises(SettingsError, match="collection"):
        load_settings(collection="ab")
    with pytest.raises(SettingsError, match="chroma_url"):
        load_settings(chroma_url="localhost:8000")
    (tmp_path / "citeqa.toml").write_text("k = [oops")
    with pytest.raises(SettingsError, match="not valid TOML"):
        load_settings()


def test_unknown_key_in_toml_is_reported(tmp_path):
    (tmp_path / "citeqa.toml").write_text("[citeqa]\nkk = 3\n")
    with pytest.raises(SettingsError, match="kk"):
        load_settings()


def test_config_command_prints_effective_settings(tmp_path):
    (tmp_path / "citeqa.toml").write_text("k = 8\n")
    out = subprocess.run(
        [sys.executable, "-m", "citeqa.cli", "config", "--json", "--answerer", "extractive"],
        capture_output=True, text=True, cwd=tmp_path, env=_env(CITEQA_COLLECTION="envcoll"),
    )
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["settings"]["k"] == 8 and data["origins"]["k"] == "citeqa.toml"
    assert data["settings"]["collection"] == "envcoll" and data["origins"]["collection"] == "env"
    assert data["origins"]["answerer"] == "flag"
    assert data["settings"]["llm_api_key"] is None


def _env(**extra):
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("CITEQA_")}
    env.update(extra)
    return env
