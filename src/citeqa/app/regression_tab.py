"""The Regression tab: run a bundled or uploaded question set against the running settings, showing its
progress as each question finishes (a run of the bundled set can take minutes), with Stop to end it."""

import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path

import gradio as gr

from citeqa.app.regression import (
    PROJECT_ROOT, RUNNING, RunState, progress_markdown, question_set_files, regression_steps,
)
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


@dataclass
class _Run:
    """One session's run: the flag its Stop raises, and where it stands (None before its first step)."""

    flag: threading.Event = field(default_factory=threading.Event)
    state: RunState | None = None


class Runs:
    """The run each browser session has going, so that session's Stop can end it: a flag the runner reads
    between questions (the server asks nothing more), and where the run stands (what Stop reports).
    Keyed by the session on the server's side: a Stop reaches only its own session's run."""

    def __init__(self):
        self._lock = threading.Lock()
        self._runs: dict[str, _Run] = {}

    def start(self, session: str) -> _Run:
        entry = _Run()
        with self._lock:
            self._runs[session] = entry
        return entry

    def finish(self, session: str, entry) -> None:
        with self._lock:
            if self._runs.get(session) is entry:  # not a newer run of the same session
                del self._runs[session]

    def stop(self, session: str) -> tuple[bool, RunState | None]:
        """Raise the session's flag: (whether a run was going, where it stood: None before its first step)."""
        with self._lock:
            entry = self._runs.pop(session, None)
        if entry is None:
            return False, None
        entry.flag.set()
        return True, entry.state


class RegressionEvents:
    """The tab's handlers (methods: Gradio names each event after its method)."""

    def __init__(self, engine, scopes):
        self.engine, self.scopes, self.runs = engine, scopes, Runs()

    def do_regression(self, choice, uploaded, scope, role, request: gr.Request):
        """Yields (summary, table): a progress line after each question, then the report."""
        if not uploaded and not choice:
            yield "Choose a question set (or upload one).", []
            return
        sets = regression_sets()
        if not uploaded and str(choice) not in sets:
            yield "✗ That question set is not one of tests/regression/*.yaml.", []
            return
        path = uploaded if uploaded else sets[str(choice)]
        entry = self.runs.start(request.session_hash)
        try:
            # Who may run what is checked here, on the server: the collection the chat asks, and any
            # collection the set names, must be ones this caller may see (scopes.py).
            asked = self.scopes.resolve(scope, role, request)
            collections = lambda name: self.engine.assistant_for(self.scopes.named(name, role, request))  # noqa: E731
            for state in regression_steps(asked.assistant, path, uploaded=bool(uploaded), collections=collections,
                                          chosen=asked.collection.name, stop=entry.flag.is_set):
                entry.state = state
                # The table empties as a run starts and fills once it ends (the rows sorted, failures first).
                yield (state.summary, state.rows) if state.summary else \
                    (progress_markdown(state), [] if state.done == 0 else gr.skip())
        except SetFileError as e:
            # The sentence `citeqa eval` prints, the file named by its label or name (not its server path).
            shown = Path(str(uploaded)).name if uploaded else str(choice)
            where = f"{shown}:{e.line}" if e.line else shown
            yield f"✗ {where}: {e.detail.rstrip('.')}", []
        except CiteqaError as e:
            yield f"✗ {e}", []
        except Exception:
            log.exception("the question set run failed")
            yield "✗ The question set could not be run; the details are in the server log.", []
        finally:
            self.runs.finish(request.session_hash, entry)

    def stop_regression(self, request: gr.Request):
        """Stop: this session's run ends before its next question, and then reports what ran (the run's
        own last line: the question in flight finishes first, so the report and the table agree)."""
        running, state = self.runs.stop(request.session_hash)
        if not running or (state is not None and state.summary):  # nothing running, or it had just ended
            return gr.skip()
        # Only the button says so: a line written here could land after the run's own last line.
        return gr.update(value="Stopping…", interactive=False)


def build_regression_tab(app: gr.Blocks, engine, scopes, scope: gr.State, role: gr.State) -> None:
    """A set runs against the collection it names (when the caller may see it), its own corpus, or the
    collection this session asks (chosen on the Chat tab)."""
    events = RegressionEvents(engine, scopes)

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
                with gr.Row():
                    run = gr.Button("Run question set", variant="primary", scale=3, elem_id="cq-run")
                    stop = gr.Button("Stop", variant="stop", scale=1, min_width=80, interactive=False,
                                     elem_id="cq-regression-stop")
            set_upload = gr.File(label="…or upload a question set (.yaml); it is used instead while present",
                                 file_types=[".yaml", ".yml"], scale=2, height=130, elem_id="cq-set-upload")
        summary = gr.Markdown(elem_id="cq-regression-summary")
        table = gr.Dataframe(headers=["id", "result", "question", "answer", "reasons"], datatype="str",
                             interactive=False, wrap=True, elem_id="cq-regression",
                             column_widths=["14%", "10%", "24%", "26%", "26%"])
    # The run streams its progress into the summary line, with no spinner or timer over it (those also
    # mark a stopped run "Error", which it is not). Stop is live while that line says a run is going:
    # set from the line's own change, as the page's other events on Run's click wait for the run to end.
    run.click(events.do_regression, [set_choice, set_upload, scope, role], [summary, table],
              api_visibility="private", concurrency_id="citeqa-ask", show_progress="hidden")
    # always_last: one at a time, the latest line last (an earlier line's answer must not re-enable Stop).
    summary.change(lambda line: gr.update(value="Stop", interactive=str(line or "").startswith(RUNNING)), summary, stop,
                   queue=False, show_progress="hidden", api_visibility="private", trigger_mode="always_last")
    # Stop: the flag stops the runner before its next question, and the line says where it stood. (Not
    # Gradio's `cancels`: a cancelled event may mark its components "Error", which a stopped run is not.)
    stop.click(events.stop_regression, None, stop, queue=False, show_progress="hidden", api_visibility="private")
    app.load(set_choices, None, set_choice, api_visibility="private", queue=False)
