"""The chat page (Gradio): a header, the Chat, Sources, Settings and Regression tabs, and the named API
endpoints, over one Engine (the Assistant, swappable without a restart).

Every piece of document text and every question is escaped before it reaches the chat's Markdown
renderer (which also sanitises HTML), and the citation panel is built from `html.escape`d text, so a
document holding `<script>` or `<img onerror=...>` is shown as text. The conversation lives in
per-session gr.State, never in a global. Errors a user can act on (citeqa.errors.CiteqaError) become one
message; anything else is logged on the server and the user gets one sentence, never a traceback.

Visitors ask and read; the controls that change what is indexed and how are an operator's
(citeqa.app.access): disabled for a visitor with a one-line reason, and refused on the server.
"""

import gradio as gr

from citeqa.app.access import AccessPolicy, signed_out
from citeqa.app.api import register_api
from citeqa.app.chat_tab import build_chat_tab
from citeqa.app.conversation import new_conversation
from citeqa.app.engine import Engine
from citeqa.app.limits import CACHE_SWEEP
from citeqa.app.regression_tab import build_regression_tab
from citeqa.app.scope_panel import wire_scope
from citeqa.app.scopes import Scopes
from citeqa.app.settings_tab import build_settings_tab, header_markdown, role_markdown
from citeqa.app.sources_tab import build_sources_tab


def build_app(assistant, policy: AccessPolicy | None = None) -> gr.Blocks:
    """The page over one Assistant (or an Engine already wrapping one); `app.citeqa_engine` is the Engine.
    `policy`: who is an operator (default: nobody, so the page cannot change the index or settings)."""
    engine = assistant if isinstance(assistant, Engine) else Engine(assistant)
    policy = policy or AccessPolicy()
    # delete_cache: uploads (and downloads) leave Gradio's cache once nothing can still need them.
    with gr.Blocks(title="citeqa", analytics_enabled=False, delete_cache=CACHE_SWEEP) as app:
        conversation = gr.State(new_conversation())
        pending = gr.State(None)
        role = gr.State(signed_out())  # server-side, per browser session: set only by a right password
        # The collection and documents this session asks (app/scopes.py checks it for every event).
        scope = gr.State(None)
        scopes = Scopes(engine, policy)
        header = gr.Markdown(header_markdown(engine), elem_id="cq-header")
        with gr.Tabs():
            chat = build_chat_tab(app, engine, conversation, pending, scopes, scope, role)
            sources = build_sources_tab(app, engine, policy, role, scopes, scope)
            settings = build_settings_tab(app, engine, header, policy, role)
            build_regression_tab(app, engine, scopes, scope, role)

        # The operator's controls follow the session's role (a convenience only: the handlers check it).
        controls = [*sources.controls, *settings.controls]

        def role_view(role, request: gr.Request):
            actor = policy.actor(role, request.username)
            signed_in = actor.operator and policy.password_sign_in and not policy.operators & {request.username}
            return (*[gr.update(interactive=actor.operator) for _ in controls],
                    gr.update(visible=not actor.operator), gr.update(visible=not actor.operator),
                    role_markdown(actor, policy),
                    gr.update(visible=policy.password_sign_in and not actor.operator), gr.update(visible=bool(signed_in)))

        role_outputs = [*controls, sources.lock_note, settings.lock_note, settings.role_line,
                        settings.sign_in_row, settings.sign_out]
        app.load(role_view, [role], role_outputs, api_visibility="private", queue=False)
        for event in settings.signed:
            event.then(role_view, [role], role_outputs, api_visibility="private", queue=False)
        applied = settings.applied
        # What is indexed may change on these: the tables and the examples row follow.
        applied.then(sources.view, sources.inputs, sources.outputs, api_visibility="private") \
            .then(chat.refresh_examples, [scope, role], chat.examples, api_visibility="private")
        for change in sources.changes:
            change.then(chat.refresh_examples, [scope, role], chat.examples, api_visibility="private")
        # Which collections a session may see follows its role; the active collection follows Apply.
        wire_scope(app, scopes, scope, role, chat, sources, [*settings.signed, applied])
        register_api(engine, conversation, scopes, role)
    app.citeqa_engine = engine
    return app
