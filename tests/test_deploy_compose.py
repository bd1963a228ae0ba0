"""Issue 19 item 5: the compose file (src/citeqa/deploy/compose.yaml) holds together without Docker: every
app process has its own index volume and reaches Chroma only through the token gate with the token
from the environment; the balancer sends to exactly those apps; the settings named are citeqa's."""

import re

import yaml

from citeqa.settings import Settings

from conftest import ROOT

DEPLOY = ROOT / "src" / "citeqa" / "deploy"


def test_compose_apps_share_only_the_chroma_server():
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    apps = sorted(name for name in services if re.fullmatch(r"app\d+", name))
    assert len(apps) >= 2

    index_volumes = []
    for name in [*apps, "ingest"]:
        s = services[name]
        env = s["environment"]
        assert env["CITEQA_CHROMA_URL"] == "http://chroma-gate:8000" and env["CITEQA_CHROMA_TOKEN"].startswith("${CHROMA_TOKEN")
        fields = {f"CITEQA_{f}".upper() for f in Settings.model_fields}
        assert {k for k in env if k.startswith("CITEQA_") and k not in ("CITEQA_AUTH", "CITEQA_OPERATORS",
                                                                         "CITEQA_ALLOWED_HOSTS")} <= fields
        index_volumes += [v.split(":")[0] for v in s["volumes"] if v.split(":")[1] == "/var/lib/citeqa/index"]
        assert "store" not in s["networks"]  # the Chroma server is reached through the gate only
    assert len(index_volumes) == len(set(index_volumes)) == len(apps) + 1  # one empty index each
    assert set(index_volumes) <= set(compose["volumes"])

    assert services["chroma"]["image"].startswith("chromadb/chroma:1.") and "/data" in services["chroma"]["volumes"][0]
    assert compose["networks"]["store"]["internal"] and set(services["chroma"]["networks"]) == {"store"}
    upstream = re.findall(r"server (app\d+):7860", (DEPLOY / "nginx.conf").read_text())
    assert sorted(upstream) == apps
    assert "torch==2.13.0" in (DEPLOY / "Dockerfile").read_text()
