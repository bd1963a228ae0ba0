"""The Sources tab: the indexed documents, uploads, remove and re-index."""

import html
from dataclasses import dataclass
from pathlib import Path

import gradio as gr

from citeqa.app.engine import MAX_UPLOAD_BYTES
from citeqa.app.sources import DOCUMENT_HEADERS, document_rows
from citeqa.documents.registry import READERS
from citeqa.errors import CiteqaError


@dataclass
class SourcesTab:
    view: object  # () -> (rows, info, remove choices)
    outputs: list  # the components `view` updates
    changes: list  # the events after which the corpus may have changed


def build_sources_tab(app: gr.Blocks, engine) -> SourcesTab:
    def sources_view():
        docs = engine.documents()
        s = engine.assistant.settings
        info = (f"**{len(docs)}** document(s), **{sum(int(d['passages']) for d in docs)}** passages · corpus folder "
                f"`{html.escape(str(Path(s.corpus_path).resolve()))}` · collection `{html.escape(s.collection)}`")
        return document_rows(docs), info, gr.Dropdown(choices=[d["source"] for d in docs], value=None)

    def do_upload(files, progress=gr.Progress()):
        try:
            message = engine.upload([f if isinstance(f, str) else getattr(f, "name", str(f)) for f in (files or [])], progress)
        except CiteqaError as e:
            message = f"✗ {e}"
        return (message, None, *sources_view())

    def do_remove(source):
        if not source:
            return ("Choose a document to remove.", *sources_view())
        try:
            message = engine.remove(source)
        except CiteqaError as e:
            message = f"✗ {e}"
        return (message, *sources_view())

    def do_reindex(progress=gr.Progress()):
        try:
            message = engine.reindex(progress)
        except CiteqaError as e:
            message = f"✗ {e}"
        return (message, *sources_view())

    with gr.Tab("Sources", id="sources") as tab:
        sources_info = gr.Markdown()
        table = gr.Dataframe(headers=DOCUMENT_HEADERS, datatype="str", interactive=False, wrap=True,
                             elem_id="cq-documents", column_widths=["26%", "30%", "9%", "9%", "15%", "11%"])
        with gr.Row():
            with gr.Column(scale=3):
                upload = gr.File(label=f"Add documents ({', '.join(sorted(READERS))}; up to {MAX_UPLOAD_BYTES // 2**20} MB each): copied into the corpus folder and indexed",
                                 file_count="multiple", file_types=sorted(READERS),
                                 elem_id="cq-upload", height=140)
            with gr.Column(scale=2):
                to_remove = gr.Dropdown(label="Remove a document", choices=[], elem_id="cq-remove-choice")
                with gr.Row():
                    remove = gr.Button("Remove from index", variant="stop", size="sm", elem_id="cq-remove")
                    reindex = gr.Button("Re-index corpus folder", size="sm", elem_id="cq-reindex")
                gr.Markdown("Removing moves the file out of the corpus folder into `<index>/removed/`, so re-indexing does not bring it back.",
                            elem_classes=["cq-note"])
        status = gr.Textbox(label="Status", interactive=False, lines=2, elem_id="cq-sources-status")

    view_outputs = [table, sources_info, to_remove]
    changes = [
        upload.upload(do_upload, [upload], [status, upload, *view_outputs],
                      show_progress="full", api_visibility="private", concurrency_id="citeqa-index"),
        remove.click(do_remove, [to_remove], [status, *view_outputs],
                     api_visibility="private", concurrency_id="citeqa-index"),
        reindex.click(do_reindex, None, [status, *view_outputs],
                      api_visibility="private", concurrency_id="citeqa-index"),
    ]
    app.load(sources_view, None, view_outputs, api_visibility="private", queue=False)
    tab.select(sources_view, None, view_outputs, api_visibility="private", queue=False)
    return SourcesTab(sources_view, view_outputs, changes)
