"""Issue 19 item 4: the Chroma server's token is a secret setting: masked wherever settings are shown,
refused at load (without echoing it) when Chroma's token client could not send it, and not a CLI flag."""

import pytest

from citeqa.cli import build_parser
from citeqa.errors import SettingsError
from citeqa.settings import load_settings


def test_token_is_masked_checked_and_never_a_flag(monkeypatch):
    monkeypatch.setenv("CITEQA_CHROMA_TOKEN", "abc.DEF-123")
    s = load_settings(chroma_url="https://chroma.example:8443")
    assert s.chroma_token.get_secret_value() == "abc.DEF-123" and s.public_dict()["chroma_token"] == "***"
    assert (s.chroma_token_header, s.chroma_tenant, s.chroma_database) == ("Authorization", "default_tenant", "default_database")
    assert "abc.DEF" not in repr(s)

    monkeypatch.setenv("CITEQA_CHROMA_TOKEN", "has space é")
    with pytest.raises(SettingsError, match="chroma_token") as bad:
        load_settings()
    assert "space" not in str(bad.value)
    monkeypatch.setenv("CITEQA_CHROMA_TOKEN", "")
    assert load_settings().chroma_token is None
    with pytest.raises(SettingsError, match="chroma_token_header"):
        load_settings(chroma_token_header="X-Api-Key")

    with pytest.raises(SystemExit):
        build_parser().parse_args(["ingest", "--chroma-token", "x"])
    args = build_parser().parse_args(["ingest", "--chroma-database", "team", "--chroma-tenant", "acme"])
    assert (args.chroma_database, args.chroma_tenant) == ("team", "acme")
