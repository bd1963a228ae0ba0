"""A visitor never sees an absolute server path: not in the page's config, not in what the page's load
events return (header, Sources, Settings, question sets), not from /settings, /documents, /ask, /chat
or the citation panel; folders are shown by their label, the index by its folder name, documents of a
corpus folder outside the working folder as `<label>/<file>` (the app here runs from another folder,
so its index holds absolute sources)."""

import json
from urllib.request import urlopen

from queue_client import ROOT, SEED_NAME, QueueClient, new_session, visitor_app  # noqa: F401 (a fixture)
from app_support import QUESTION



def test_visitor_sees_no_absolute_server_path(visitor_app):
    url, work, _log = visitor_app
    client = QueueClient(url)
    session = new_session()
    seen = {"config": json.dumps(client.config)}
    with urlopen(url, timeout=10) as r:
        seen["page"] = r.read().decode("utf-8", "replace")
    for name in ("sources_view", "settings_view_2", "set_choices", "role_view"):
        reply = client.call_index(client.api_index(name), [None] * len(_inputs(client, name)), session)
        assert reply["data"] is not None, (name, reply)
        seen[name] = json.dumps(reply["data"], ensure_ascii=False)
    for api in ("settings", "documents"):
        seen[api] = json.dumps(client.call_api(api, [], session)["data"], ensure_ascii=False)
    seen["ask"] = json.dumps(client.call_api("ask", [QUESTION, []], session)["data"], ensure_ascii=False)
    chat = client.call_api("chat", [QUESTION, None], session)["data"][0]
    seen["chat"] = json.dumps(chat, ensure_ascii=False)
    assert chat["citations"][0]["source"] == f"seeds/{SEED_NAME}"
    panel = client.call("cq-panel", "cite", [None], session, event_data={"id": "cite-0-1"})["data"][0]
    assert "cq-hit" in panel and "outside" not in panel  # the shown name still finds the file to open
    seen["panel"] = panel
    roots = {str(work), str(work.resolve()), str(work.parent.resolve()), str(ROOT)}
    for where, text in seen.items():
        for root in roots:
            assert root not in text, f"{where} shows the server path {root}"
    settings = client.call_api("settings", [], session)["data"][0]
    assert settings["corpus_path"] == "seeds" and settings["corpus_folders"] == ["seeds", "other"]
    assert sorted(d["source"] for d in client.call_api("documents", [], session)["data"][0]) == \
        [f"seeds/{SEED_NAME}", "vault.txt"]
    assert settings["index_path"] == "index" and settings["llm_api_key"] is None


def _inputs(client: QueueClient, name: str) -> list:
    index = client.api_index(name)
    dep = next(d for i, d in enumerate(client.config["dependencies"]) if d.get("id", i) == index)
    return dep["inputs"]
