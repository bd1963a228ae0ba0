"""The Regression tab: run a bundled or uploaded question set against the running settings."""

from pathlib import Path

import gradio as gr

from citeqa.app.regression import PROJECT_ROOT, question_set_files, run_regression
from citeqa.errors import CiteqaError


def regression_choices() -> list[tuple[str, str]]:
    out = []
    for p in question_set_files():
        try:
            label = p.resolve().relative_to(Path.cwd().resolve()).as_posix()
        except ValueError:
            label = f"tests/regression/{p.name}" if p.parent.resolve() == (PROJECT_ROOT / "tests" / "regression").resolve() else str(p)
        out.append((label, str(p)))
    return out


def build_regression_tab(app: gr.Blocks, engine) -> None:
    def do_regression(choice, uploaded, progress=gr.Progress()):
        path = uploaded if uploaded else choice
        if not path:
            return "Choose a question set (or upload one).", []
        if not uploaded and str(choice) not in {str(p) for p in question_set_files()}:
            return "✗ That question set is not one of tests/regression/*.yaml.", []
        try:
            return run_regression(engine.assistant, path, progress)
        except CiteqaError as e:
            return f"✗ {e}", []

    def set_choices():
        choices = regression_choices()
        return gr.Dropdown(choices=choices, value=choices[0][1] if choices else None)

    with gr.Tab("Regression", id="regression"):
        gr.Markdown("Run a question set (the format is in the README, *Question sets*) against the current settings and index.")
        with gr.Row(equal_height=True):
            with gr.Column(scale=3):
                set_choice = gr.Dropdown(label="Question set from tests/regression/", choices=[], elem_id="cq-set")
                run = gr.Button("Run question set", variant="primary", elem_id="cq-run")
            set_upload = gr.File(label="…or upload a question set (.yaml); it is used instead while present",
                                 file_types=[".yaml", ".yml"], scale=2, height=130, elem_id="cq-set-upload")
        summary = gr.Markdown()
        table = gr.Dataframe(headers=["id", "result", "question", "answer", "reasons"], datatype="str",
                             interactive=False, wrap=True, elem_id="cq-regression",
                             column_widths=["14%", "10%", "24%", "26%", "26%"])
    run.click(do_regression, [set_choice, set_upload], [summary, table],
              api_visibility="private", concurrency_id="citeqa-ask")
    app.load(set_choices, None, set_choice, api_visibility="private", queue=False)
