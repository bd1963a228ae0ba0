"""The Sources tab's collection controls (an operator's): create a collection, rename the session's
collection, give it to some logins only, delete it. Each handler asks the AccessPolicy for the caller and
the Engine refuses a visitor; the session then asks the collection it made (or the default, after a delete)."""

import logging
from dataclasses import dataclass

import gradio as gr

from citeqa.app.access import OperatorRequired
from citeqa.errors import CiteqaError

log = logging.getLogger("citeqa.app")


@dataclass
class CollectionControls:
    controls: list  # interactive for an operator only
    events: list  # after each, the session's collection (or the list of them) may have changed


def build_collection_controls(engine, policy, role: gr.State, scopes, scope: gr.State) -> CollectionControls:
    known = frozenset(policy.logins)  # the --auth logins a collection can be given to (none without --auth)

    def act(what: str, fn, scope, role, request):
        """(status, new scope): `fn(actor, collection)` returns (message, scope) for the session."""
        actor = policy.actor(role, request.username)  # checked on the server for every call
        try:
            actor.require(what)
            collection = scopes.resolve(scope, role, request).collection
            return fn(actor, collection)
        except OperatorRequired as e:
            log.warning("refused to %s for a visitor", what)
            return f"✗ {e}", gr.skip()
        except CiteqaError as e:
            return f"✗ {e}", gr.skip()

    def do_create(name, logins, scope, role, request: gr.Request):
        def create(actor, _current):
            made = engine.create_collection(name, logins or None, actor=actor, known_logins=known)
            who = f" for {', '.join(made.logins)} (and operators)" if made.logins else ""
            return (f"✓ Created {made.name}{who}; this chat now asks it: add documents above.",
                    {"collection": made.id, "sources": None})

        return act("create collections", create, scope, role, request)

    def do_rename(name, scope, role, request: gr.Request):
        def rename(actor, current):
            renamed = engine.rename_collection(current, name, actor=actor)
            return f"✓ Renamed {current.name} to {renamed.name}.", gr.skip()

        return act("rename collections", rename, scope, role, request)

    def do_share(logins, scope, role, request: gr.Request):
        def share(actor, current):
            shared = engine.share_collection(current, logins or None, actor=actor, known_logins=known)
            who = ", ".join(shared.logins) + " (and operators)" if shared.logins else "everyone"
            return f"✓ {shared.name} is now seen by {who}.", gr.skip()

        return act("choose who sees a collection", share, scope, role, request)

    def do_delete(name, scope, role, request: gr.Request):
        def delete(actor, current):
            gone = engine.delete_collection(current, name, actor=actor)
            return f"✓ Deleted {gone.name}: its index is gone, its uploaded files are in <index>/removed/.", None

        return act("delete collections", delete, scope, role, request)

    with gr.Accordion("Collections: create, rename, share, delete", open=False, elem_id="cq-collections"):
        gr.Markdown("A collection is a body of documents with its own index and its own folder for uploads; "
                    "the chat asks one collection at a time. Rename, share and delete act on this chat's collection "
                    "(to delete it, type its name first).", elem_classes=["cq-note"])
        with gr.Row():
            name = gr.Textbox(label="Name", interactive=False, elem_id="cq-collection-name", scale=2)
            logins = gr.Textbox(label="Seen by (logins, comma-separated; empty: everyone)", interactive=False,
                                elem_id="cq-collection-logins", scale=2)
        with gr.Row():
            create = gr.Button("Create collection", size="sm", interactive=False, elem_id="cq-collection-create")
            rename = gr.Button("Rename this collection", size="sm", interactive=False, elem_id="cq-collection-rename")
            share = gr.Button("Set who sees it", size="sm", interactive=False, elem_id="cq-collection-share")
            delete = gr.Button("Delete this collection", size="sm", variant="stop", interactive=False,
                               elem_id="cq-collection-delete")
        status = gr.Textbox(label="Collections", interactive=False, elem_id="cq-collection-status")

    outputs = [status, scope]
    events = [
        create.click(do_create, [name, logins, scope, role], outputs, api_visibility="private", concurrency_id="citeqa-index"),
        rename.click(do_rename, [name, scope, role], outputs, api_visibility="private", concurrency_id="citeqa-index"),
        share.click(do_share, [logins, scope, role], outputs, api_visibility="private", concurrency_id="citeqa-index"),
        delete.click(do_delete, [name, scope, role], outputs, api_visibility="private", concurrency_id="citeqa-index"),
    ]
    return CollectionControls([name, logins, create, rename, share, delete], events)
