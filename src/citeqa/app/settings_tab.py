"""The Settings tab: answerer, k and the active corpus folder, applied without a restart."""

import html

import gradio as gr

from citeqa.answering.backends import CHAT_BACKENDS
from citeqa.errors import CiteqaError


def header_markdown(engine) -> str:
    """The page's header: what answers, with how many passages, from which folder."""
    s = engine.assistant.settings
    return (f"## citeqa\nAnswers about your documents, every claim cited. Answerer **{s.answerer}** · "
            f"k = {s.k} · corpus `{html.escape(str(s.corpus_path))}`")


def build_settings_tab(app: gr.Blocks, engine, header: gr.Markdown):
    """Returns the Apply event, after which the corpus may have changed."""

    def settings_view():
        s = engine.assistant.settings
        return (gr.update(value=s.answerer), gr.update(value=s.k), gr.update(value=str(s.corpus_path)),
                engine.effective(), header_markdown(engine))

    def do_apply(answerer_name, k, corpus, progress=gr.Progress()):
        try:
            message = "✓ " + engine.apply(answerer_name, k, corpus, progress)
        except CiteqaError as e:
            message = f"✗ Not applied: {e}"
        return (message, *settings_view())

    with gr.Tab("Settings", id="settings") as tab:
        backends = ["extractive", *sorted(CHAT_BACKENDS)]
        with gr.Row():
            with gr.Column():
                answerer_choice = gr.Dropdown(backends, label="Answerer",
                                              info="extractive: offline, quotes sentences verbatim; the others need llm_model / llm_base_url configured (citeqa.toml or CITEQA_*)")
                k_choice = gr.Slider(1, 20, step=1, label="k: passages retrieved per question")
                corpus_choice = gr.Textbox(label="Active corpus folder",
                                           info="Another folder is indexed into a collection of its own the first time it is chosen.")
                apply = gr.Button("Apply", variant="primary", elem_id="cq-apply")
                status = gr.Textbox(label="Status", interactive=False, elem_id="cq-settings-status")
            with gr.Column():
                effective = gr.JSON(label="Effective settings")

    view_outputs = [answerer_choice, k_choice, corpus_choice, effective, header]
    applied = apply.click(do_apply, [answerer_choice, k_choice, corpus_choice], [status, *view_outputs],
                          api_visibility="private", concurrency_id="citeqa-index")
    app.load(settings_view, None, view_outputs, api_visibility="private", queue=False)
    tab.select(settings_view, None, view_outputs, api_visibility="private", queue=False)
    return applied
