"""The Settings tab: the operator sign-in, and the answerer, k and the active corpus folder (one of the
folders the operator configured), applied without a restart by an operator."""

import html
import logging
from dataclasses import dataclass

import gradio as gr

from citeqa.answering.backends import CHAT_BACKENDS
from citeqa.app.access import OperatorRequired, signed_out
from citeqa.errors import CiteqaError

log = logging.getLogger("citeqa.app")


@dataclass
class SettingsTab:
    applied: object  # the Apply event, after which the corpus may have changed
    signed: list  # the sign-in and sign-out events, after which the role may have changed
    controls: list  # the operator's inputs: interactive for an operator only
    lock_note: gr.Markdown  # the one-line reason a visitor sees
    role_line: gr.Markdown  # who this session is
    sign_in_row: gr.Row  # shown to a visitor when sign-in is on
    sign_out: gr.Button  # shown to a signed-in operator


def header_markdown(engine) -> str:
    """The page's header: what answers, with how many passages, from which folder (by its label)."""
    s = engine.assistant.settings
    return (f"## citeqa\nAnswers about your documents, every claim cited. Answerer **{s.answerer}** · "
            f"k = {s.k} · corpus `{html.escape(engine.corpus_label())}`")


def role_markdown(actor, policy) -> str:
    if actor.operator:
        return f"**Role: operator** ({html.escape(actor.name)}): you can change the corpus, the answerer and the documents."
    if policy.password_sign_in:
        return "**Role: visitor**: you can ask and read. Sign in with the operator password to change the corpus, answerer or documents."
    return "**Role: visitor**: you can ask and read."


def build_settings_tab(app: gr.Blocks, engine, header: gr.Markdown, policy, role: gr.State) -> SettingsTab:
    def settings_view(role, request: gr.Request):
        actor = policy.actor(role, request.username)
        s = engine.assistant.settings
        return (gr.update(value=s.answerer), gr.update(value=s.k), gr.update(value=engine.corpus_label()),
                engine.operator_view() if actor.operator else engine.effective(), header_markdown(engine))

    def do_apply(answerer_name, k, corpus, role, request: gr.Request, progress=gr.Progress()):
        actor = policy.actor(role, request.username)  # checked here, on the server, for every call
        try:
            message = "✓ " + engine.apply(answerer_name, k, corpus, progress, actor=actor)
        except OperatorRequired as e:
            log.warning("refused a settings change from a visitor (corpus %r)", corpus)
            message = f"✗ {e}"
        except CiteqaError as e:
            message = f"✗ Not applied: {e}"
        return (message, *settings_view(role, request))

    def do_sign_in(password, role, request: gr.Request):
        try:
            role = policy.sign_in(password, request.username, client=getattr(request.client, "host", None))
            message = "✓ Signed in as operator in this browser session."
        except OperatorRequired as e:
            log.warning("failed operator sign-in")
            message = f"✗ {e}"
        return role, "", message

    def do_sign_out():
        return signed_out(), "", "Signed out: this browser session is a visitor again."

    with gr.Tab("Settings", id="settings") as tab:
        role_line = gr.Markdown(elem_id="cq-role")
        with gr.Row(visible=policy.password_sign_in, equal_height=True, elem_id="cq-operator-row") as sign_in_row:
            password = gr.Textbox(label="Operator password", type="password", scale=3, elem_id="cq-operator-password")
            sign_in = gr.Button("Sign in as operator", scale=1, elem_id="cq-sign-in")
        sign_out = gr.Button("Sign out", size="sm", visible=False, elem_id="cq-sign-out")
        sign_status = gr.Markdown(elem_id="cq-sign-status")
        backends = ["extractive", *sorted(CHAT_BACKENDS)]
        with gr.Row():
            with gr.Column():
                answerer_choice = gr.Dropdown(backends, label="Answerer", interactive=False, elem_id="cq-answerer",
                                              info="extractive: offline, quotes sentences verbatim; the others need llm_model / llm_base_url configured (citeqa.toml or CITEQA_*)")
                k_choice = gr.Slider(1, 20, step=1, label="k: passages retrieved per question", interactive=False, elem_id="cq-k")
                corpus_choice = gr.Dropdown(list(engine.corpora), label="Active corpus folder", interactive=False, elem_id="cq-corpus",
                                            info="One of the folders configured on the server (corpus_path, corpus_folders). Another folder is indexed into a collection of its own the first time it is chosen.")
                apply = gr.Button("Apply", variant="primary", interactive=False, elem_id="cq-apply")
                lock_note = gr.Markdown(policy.visitor_reason(on_settings_tab=True), elem_classes=["cq-note"], elem_id="cq-settings-lock")
                status = gr.Textbox(label="Status", interactive=False, elem_id="cq-settings-status")
            with gr.Column():
                effective = gr.JSON(label="Effective settings")

    view_outputs = [answerer_choice, k_choice, corpus_choice, effective, header]
    # Progress shows on the status line only: the first Apply loads a model and used to grey the whole tab.
    applied = apply.click(do_apply, [answerer_choice, k_choice, corpus_choice, role], [status, *view_outputs],
                          api_visibility="private", concurrency_id="citeqa-index", show_progress="minimal",
                          show_progress_on=[status])
    # Guessing is limited in policy.sign_in, per address, on every route; a refused guess is answered at
    # once, so sign-in needs no queue (a queue of guesses would keep the operator waiting behind them).
    signed = [
        gr.on([sign_in.click, password.submit], do_sign_in, [password, role], [role, password, sign_status],
              api_visibility="private", queue=False, concurrency_id="citeqa-sign-in", concurrency_limit=None),
        sign_out.click(do_sign_out, None, [role, password, sign_status], api_visibility="private", queue=False),
    ]
    for event in signed:
        event.then(settings_view, [role], view_outputs, api_visibility="private", queue=False)
    app.load(settings_view, [role], view_outputs, api_visibility="private", queue=False)
    tab.select(settings_view, [role], view_outputs, api_visibility="private", queue=False)
    return SettingsTab(applied, signed, [answerer_choice, k_choice, corpus_choice, apply], lock_note, role_line,
                       sign_in_row, sign_out)
