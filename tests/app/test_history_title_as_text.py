"""A conversation's title is shown as text: renamed to an <img> tag that would fetch an outside URL,
it comes back to the page escaped in the "Opened …" status line (no raw tag for the Markdown renderer
to build), and as the same plain text in the list (a label of the sidebar's list, which the page shows as text)."""

from history_support import call, listed, page_owner, save_conversation
from queue_client import QueueClient, new_session, visitor_app  # noqa: F401 (a fixture)

TITLE = "<img src=http://127.0.0.1:9/x onerror=alert(1)>"
QUESTION = "In which city did Thailand sign the UN convention against cybercrime?"


def test_a_title_with_markup_is_shown_as_text(visitor_app):
    url, _work, _log = visitor_app
    client, session = QueueClient(url), new_session()
    owner = page_owner(client, session)
    conv = save_conversation(client, session, QUESTION, owner)
    assert call(client, "rename", session, owner=owner, radio=conv, textbox=TITLE)["data"][1] == "Renamed."
    status = call(client, "open_one", session, owner=owner, radio=conv)["data"][-1]
    assert status.startswith("Opened “") and "<img" not in status and "&lt;img" in status, status
    assert listed(client, session, owner=owner)[conv] == TITLE
