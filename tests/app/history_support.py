"""Driving the Chat tab's conversation list raw, as the page does (ask, answer, save; list, search; open,
rename, delete), through any route. The list is a radio group (`radio=`: a conversation's id). Each
event's data is filled by its inputs' component types, so an owner value the page would hold (the
browser state earlier versions kept) is sent too: `owner`."""

from queue_client import QueueClient

HISTORY_EVENTS = ("identify", "search_list", "open_one", "rename", "delete", "save")


def call(client: QueueClient, name: str, session: str, route: str | None = None, owner=None, **values) -> dict:
    fn = client.api_index(name)
    return client.call_index(fn, client.inputs_by_type(fn, browserstate=owner, **values), session, route=route)


def page_owner(client: QueueClient, session: str, kept=None):
    """What the page-load event hands the page to send back as its owner (None: it hands nothing);
    `kept`: what the page already holds."""
    fn = client.api_index("identify")
    return client.output_by_type(fn, call(client, "identify", session, owner=kept), "browserstate")


def listed(client: QueueClient, session: str, route: str | None = None, owner=None) -> dict:
    """The caller's conversations, id -> title, as the page-load event lists them."""
    reply = call(client, "identify", session, route, owner)
    choices = (client.output_by_type(client.api_index("identify"), reply, "radio") or {}).get("choices", [])
    return {conv: title.rsplit(" · ", 1)[0] for title, conv in choices}


def save_conversation(client: QueueClient, session: str, question: str, owner=None) -> str:
    """Ask `question` and keep the conversation, as the page does (holding `owner`); its id."""
    owner = page_owner(client, session, owner)
    client.call("cq-question", "submit", [question, None], session)
    assert client.call_index(client.api_index("answer"), [None, None], session)["error"] is None
    reply = call(client, "save", session, owner=owner)
    return client.output_by_type(client.api_index("save"), reply, "radio")["value"]
