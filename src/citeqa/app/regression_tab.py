"""The Regression tab: run a bundled or uploaded question set against the running settings."""

import logging
from pathlib import Path

import gradio as gr

from citeqa.app.regression import PROJECT_ROOT, question_set_files, run_regression
from citeqa.errors import CiteqaError
from citeqa.evaluation.questions import SetFileError

log = logging.getLogger("citeqa.app")


def regression_sets() -> dict[str, Path]:
    """The bundled question sets by label (a path relative to the working or project folder): the page
    shows and sends only the label, never a server path."""
    out: dict[str, Path] = {}
    for p in question_set_files():
        try:
            label = p.resolve().relative_to(Path.cwd().resolve()).as_posix()
        except ValueError:
            label = f"tests/regression/{p.name}" if p.parent.resolve() == (PROJECT_ROOT / "tests" / "regression").resolve() else p.name
        out.setdefault(label, p)
    return out


def build_regression_tab(app: gr.Blocks, engine, scopes, scope: gr.State, role: gr.State) -> None:
    """A set runs against the collection it names (when the caller may see it), its own corpus, or the
    collection this session asks (chosen on the Chat tab)."""

    def do_regression(choice, uploaded, scope, role, request: gr.Request, progress=gr.Progress()):
        if not uploaded and not choice:
            return "Choose a question set (or upload one).", []
        sets = regression_sets()
        if not uploaded and str(choice) not in sets:
            return "✗ That question set is not one of tests/regression/*.yaml.", []
        path = uploaded if uploaded else sets[str(choice)]
        try:
            asked = scopes.resolve(scope, role, request)
            collections = lambda name: engine.assistant_for(scopes.named(name, role, request))  # noqa: E731
            return run_regression(asked.assistant, path, progress, uploaded=bool(uploaded), collections=collections,
                                  chosen=asked.collection.name)
        except SetFileError as e:
            # The sentence `citeqa eval` prints, the file named by its label or name (not its server path).
            shown = Path(str(uploaded)).name if uploaded else str(choice)
            where = f"{shown}:{e.line}" if e.line else shown
            return f"✗ {where}: {e.detail.rstrip('.')}", []
        except CiteqaError as e:
            return f"✗ {e}", []
        except Exception:
            log.exception("the question set run failed")
            return "✗ The question set could not be run; the details are in the server log.", []

    def set_choices():
        choices = list(regression_sets())
        return gr.Dropdown(choices=choices, value=choices[0] if choices else None)

    with gr.Tab("Regression", id="regression"):
        gr.Markdown("Run a question set (the format is in the README, *Question sets*) with the current settings, "
                    "against the collection it names (`collection:`), its own corpus (`corpus:`), or else the "
                    "collection this chat asks.")
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
    run.click(do_regression, [set_choice, set_upload, scope, role], [summary, table],
              api_visibility="private", concurrency_id="citeqa-ask")
    app.load(set_choices, None, set_choice, api_visibility="private", queue=False)
