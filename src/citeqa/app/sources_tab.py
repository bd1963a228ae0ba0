"""The Sources tab: the documents of the session's collection, with the ticks that limit questions to
some of them (anyone), and uploads, remove, re-index and the collections themselves (an operator: each
handler asks the AccessPolicy for the caller and the Engine refuses a visitor)."""

import html
import logging
from dataclasses import dataclass
from pathlib import Path

import gradio as gr

from citeqa.app.access import OperatorRequired
from citeqa.app.engine import MAX_UPLOAD_BYTES
from citeqa.app.sources import DOCUMENT_HEADERS, document_rows
from citeqa.documents.registry import READERS
from citeqa.errors import CiteqaError

log = logging.getLogger("citeqa.app")

# A padlock (feather "lock"): drawn with the page's fonts, unlike an emoji that needs an emoji font.
_LOCK_SVG = ('<svg viewBox="0 0 24 24" width="26" height="26" fill="none" stroke="currentColor" stroke-width="1.8" '
             'stroke-linecap="round" stroke-linejoin="round" aria-hidden="true"><rect x="3" y="11" width="18" height="11" '
             'rx="2"/><path d="M7 11V7a5 5 0 0 1 10 0v4"/></svg>')


def locked_drop(reason: str) -> str:
    """What a visitor sees where the upload zone would be: a greyed box with the reason, and no file input."""
    return (f'<div class="cq-locked-drop" role="note" aria-disabled="true">{_LOCK_SVG}'
            f'<strong>Add documents</strong><span>{html.escape(reason)}</span></div>')


@dataclass
class SourcesTab:
    view: object  # (scope, role, request) -> (rows, info, remove choices, upload zone, its locked stand-in)
    inputs: list  # what `view` reads: the session's scope and role
    outputs: list  # the components `view` updates
    changes: list  # the events after which the collection's documents may have changed
    collection_changes: list  # the events after which the session's collection (or the list of them) changed
    controls: list  # the operator's inputs: interactive for an operator only
    lock_note: gr.Markdown  # the one-line reason a visitor sees
    ticks: gr.CheckboxGroup  # the documents a question is limited to


def build_sources_tab(app: gr.Blocks, engine, policy, role: gr.State, scopes, scope: gr.State) -> SourcesTab:
    def collection_of(scope, role, request):
        try:
            return scopes.resolve(scope, role, request).collection
        except CiteqaError:  # the chat's collection went: show the one a new chat asks
            return scopes.start(role, request)

    def sources_view(scope, role, request: gr.Request):
        return view(scope, role, request)

    def view(scope, role, request, **upload):
        """The tab for this caller; `upload`: more for the upload zone's update (value=None clears it)."""
        collection = collection_of(scope, role, request)
        docs = engine.documents(collection)
        labels = {str(path): label for label, path in engine.corpora.items()}  # folders by label: no server path
        folders = ", ".join(f"`{html.escape(labels.get(f, Path(f).name))}`" for f in collection.folders)
        info = (f"Collection **{html.escape(collection.name)}**: **{len(docs)}** document(s), "
                f"**{sum(int(d['passages']) for d in docs)}** passages · uploads are kept in its own folder under the "
                f"index" + (f" · folder {folders}" if folders else ""))
        # A visitor gets the reason in the upload zone's place, not a zone that looks active (issue 18).
        operator = policy.actor(role, request.username).operator
        return (document_rows(docs), info, gr.Dropdown(choices=[d["source"] for d in docs], value=None),
                gr.update(visible=operator, **upload), gr.update(visible=not operator))

    def refused(what: str, e: OperatorRequired) -> str:
        log.warning("refused %s from a visitor", what)
        return f"✗ {e}"

    def operate(what: str, fn, scope, role, request):
        """Run an operator's power on the session's collection; a refusal or an error is the status line."""
        actor = policy.actor(role, request.username)  # checked on the server for every call
        try:
            actor.require(what)
            return fn(actor, scopes.resolve(scope, role, request).collection)
        except OperatorRequired as e:
            return refused(what, e)
        except CiteqaError as e:
            return f"✗ {e}"

    def do_upload(files, scope, role, request: gr.Request, progress=gr.Progress()):
        names = [f if isinstance(f, str) else getattr(f, "name", str(f)) for f in (files or [])]
        message = operate("add documents", lambda actor, c: engine.upload(names, progress, actor=actor, collection=c),
                          scope, role, request)
        return (message, *view(scope, role, request, value=None))

    def do_remove(source, scope, role, request: gr.Request):
        def remove(actor, c):
            return engine.remove(source, actor=actor, collection=c) if source else "Choose a document to remove."

        return (operate("remove documents", remove, scope, role, request), *sources_view(scope, role, request))

    def do_reindex(scope, role, request: gr.Request, progress=gr.Progress()):
        message = operate("re-index the corpus", lambda actor, c: engine.reindex(progress, actor=actor, collection=c),
                          scope, role, request)
        return (message, *sources_view(scope, role, request))

    with gr.Tab("Sources", id="sources") as tab:
        sources_info = gr.Markdown(elem_id="cq-sources-info")
        ticks = gr.CheckboxGroup(label="Ask about: tick the documents questions are limited to (none ticked: the whole collection)",
                                 choices=[], elem_id="cq-scope")
        table = gr.Dataframe(headers=DOCUMENT_HEADERS, datatype="str", interactive=False, wrap=True,
                             elem_id="cq-documents", column_widths=["26%", "30%", "9%", "9%", "15%", "11%"])
        with gr.Row():
            with gr.Column(scale=3):
                upload = gr.File(label=f"Add documents ({', '.join(sorted(READERS))}; up to {MAX_UPLOAD_BYTES // 2**20} MB each): saved into this collection's own folder and indexed; an existing file is never replaced",
                                 file_count="multiple", file_types=sorted(READERS), interactive=False,
                                 elem_id="cq-upload", height=140, visible=False)
                # Shown instead of the upload zone to a visitor (sources_view decides per caller).
                upload_locked = gr.HTML(locked_drop(policy.locked_reason("add documents")), elem_id="cq-upload-locked",
                                        padding=False)
            with gr.Column(scale=2):
                to_remove = gr.Dropdown(label="Remove a document", choices=[], interactive=False, elem_id="cq-remove-choice")
                with gr.Row():
                    remove = gr.Button("Remove from index", variant="stop", size="sm", interactive=False, elem_id="cq-remove")
                    reindex = gr.Button("Re-index collection", size="sm", interactive=False, elem_id="cq-reindex")
                gr.Markdown("Removing moves the file out of the collection's folder into `<index>/removed/`, so re-indexing does not bring it back.",
                            elem_classes=["cq-note"])
        from citeqa.app.collection_controls import build_collection_controls

        managing = build_collection_controls(engine, policy, role, scopes, scope)
        lock_note = gr.Markdown(policy.visitor_reason(), elem_classes=["cq-note"], elem_id="cq-sources-lock")
        status = gr.Textbox(label="Status", interactive=False, lines=2, elem_id="cq-sources-status")

    view_inputs = [scope, role]
    view_outputs = [table, sources_info, to_remove, upload, upload_locked]
    changes = [
        upload.upload(do_upload, [upload, scope, role], [status, *view_outputs],
                      show_progress="full", api_visibility="private", concurrency_id="citeqa-index"),
        remove.click(do_remove, [to_remove, scope, role], [status, *view_outputs],
                     api_visibility="private", concurrency_id="citeqa-index"),
        reindex.click(do_reindex, [scope, role], [status, *view_outputs],
                      api_visibility="private", concurrency_id="citeqa-index"),
    ]
    app.load(sources_view, view_inputs, view_outputs, api_visibility="private", queue=False)
    tab.select(sources_view, view_inputs, view_outputs, api_visibility="private", queue=False)
    return SourcesTab(sources_view, view_inputs, view_outputs, changes, managing.events,
                      [upload, to_remove, remove, reindex, *managing.controls], lock_note, ticks)
