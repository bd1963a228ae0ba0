"""The Sources tab: the indexed documents (anyone), and uploads, remove and re-index (an operator:
each handler asks the AccessPolicy for the caller and the Engine refuses a visitor)."""

import html
import logging
from dataclasses import dataclass

import gradio as gr

from citeqa.app.access import OperatorRequired
from citeqa.app.engine import MAX_UPLOAD_BYTES
from citeqa.app.sources import DOCUMENT_HEADERS, document_rows
from citeqa.documents.registry import READERS
from citeqa.errors import CiteqaError

log = logging.getLogger("citeqa.app")

@dataclass
class SourcesTab:
    view: object  # () -> (rows, info, remove choices)
    outputs: list  # the components `view` updates
    changes: list  # the events after which the corpus may have changed
    controls: list  # the operator's inputs: interactive for an operator only
    lock_note: gr.Markdown  # the one-line reason a visitor sees


def build_sources_tab(app: gr.Blocks, engine, policy, role: gr.State) -> SourcesTab:
    def sources_view():
        docs = engine.documents()
        s = engine.assistant.settings
        info = (f"**{len(docs)}** document(s), **{sum(int(d['passages']) for d in docs)}** passages · corpus folder "
                f"`{html.escape(engine.corpus_label())}` · collection `{html.escape(s.collection)}`")
        return document_rows(docs), info, gr.Dropdown(choices=[d["source"] for d in docs], value=None)

    def refused(what: str, e: OperatorRequired) -> str:
        log.warning("refused %s from a visitor", what)
        return f"✗ {e}"

    def do_upload(files, role, request: gr.Request, progress=gr.Progress()):
        actor = policy.actor(role, request.username)  # checked on the server for every call
        try:
            message = engine.upload([f if isinstance(f, str) else getattr(f, "name", str(f)) for f in (files or [])],
                                    progress, actor=actor)
        except OperatorRequired as e:
            message = refused("an upload", e)
        except CiteqaError as e:
            message = f"✗ {e}"
        return (message, None, *sources_view())

    def do_remove(source, role, request: gr.Request):
        actor = policy.actor(role, request.username)
        try:
            actor.require("remove documents")
            message = engine.remove(source, actor=actor) if source else "Choose a document to remove."
        except OperatorRequired as e:
            message = refused("a remove", e)
        except CiteqaError as e:
            message = f"✗ {e}"
        return (message, *sources_view())

    def do_reindex(role, request: gr.Request, progress=gr.Progress()):
        actor = policy.actor(role, request.username)
        try:
            message = engine.reindex(progress, actor=actor)
        except OperatorRequired as e:
            message = refused("a re-index", e)
        except CiteqaError as e:
            message = f"✗ {e}"
        return (message, *sources_view())

    with gr.Tab("Sources", id="sources") as tab:
        sources_info = gr.Markdown()
        table = gr.Dataframe(headers=DOCUMENT_HEADERS, datatype="str", interactive=False, wrap=True,
                             elem_id="cq-documents", column_widths=["26%", "30%", "9%", "9%", "15%", "11%"])
        with gr.Row():
            with gr.Column(scale=3):
                upload = gr.File(label=f"Add documents ({', '.join(sorted(READERS))}; up to {MAX_UPLOAD_BYTES // 2**20} MB each): copied into the corpus folder and indexed; an existing file is never replaced",
                                 file_count="multiple", file_types=sorted(READERS), interactive=False,
                                 elem_id="cq-upload", height=140)
            with gr.Column(scale=2):
                to_remove = gr.Dropdown(label="Remove a document", choices=[], interactive=False, elem_id="cq-remove-choice")
                with gr.Row():
                    remove = gr.Button("Remove from index", variant="stop", size="sm", interactive=False, elem_id="cq-remove")
                    reindex = gr.Button("Re-index corpus folder", size="sm", interactive=False, elem_id="cq-reindex")
                gr.Markdown("Removing moves the file out of the corpus folder into `<index>/removed/`, so re-indexing does not bring it back.",
                            elem_classes=["cq-note"])
        lock_note = gr.Markdown(policy.visitor_reason(), elem_classes=["cq-note"], elem_id="cq-sources-lock")
        status = gr.Textbox(label="Status", interactive=False, lines=2, elem_id="cq-sources-status")

    view_outputs = [table, sources_info, to_remove]
    changes = [
        upload.upload(do_upload, [upload, role], [status, upload, *view_outputs],
                      show_progress="full", api_visibility="private", concurrency_id="citeqa-index"),
        remove.click(do_remove, [to_remove, role], [status, *view_outputs],
                     api_visibility="private", concurrency_id="citeqa-index"),
        reindex.click(do_reindex, [role], [status, *view_outputs],
                      api_visibility="private", concurrency_id="citeqa-index"),
    ]
    app.load(sources_view, None, view_outputs, api_visibility="private", queue=False)
    tab.select(sources_view, None, view_outputs, api_visibility="private", queue=False)
    return SourcesTab(sources_view, view_outputs, changes, [upload, to_remove, remove, reindex], lock_note)
