"""The chat page (Gradio): a header, the Chat, Sources, Settings and Regression tabs, and the named API
endpoints, over one Engine (the Assistant, swappable without a restart).

Every piece of document text and every question is escaped before it reaches the chat's Markdown
renderer (which also sanitises HTML), and the citation panel is built from `html.escape`d text, so a
document holding `<script>` or `<img onerror=...>` is shown as text. The conversation lives in
per-session gr.State, never in a global. Errors a user can act on (citeqa.errors.CiteqaError) become one
message; anything else is logged on the server and the user gets one sentence, never a traceback.
"""

import gradio as gr

from citeqa.app.api import register_api
from citeqa.app.chat_tab import build_chat_tab
from citeqa.app.conversation import new_conversation
from citeqa.app.engine import Engine
from citeqa.app.regression_tab import build_regression_tab
from citeqa.app.settings_tab import build_settings_tab, header_markdown
from citeqa.app.sources_tab import build_sources_tab


def build_app(assistant) -> gr.Blocks:
    """The page over one Assistant (or an Engine already wrapping one); `app.citeqa_engine` is the Engine."""
    engine = assistant if isinstance(assistant, Engine) else Engine(assistant)
    with gr.Blocks(title="citeqa", analytics_enabled=False) as app:
        conversation = gr.State(new_conversation())
        pending = gr.State(None)
        header = gr.Markdown(header_markdown(engine), elem_id="cq-header")
        with gr.Tabs():
            chat = build_chat_tab(app, engine, conversation, pending)
            sources = build_sources_tab(app, engine)
            applied = build_settings_tab(app, engine, header)
            build_regression_tab(app, engine)
        # What is indexed may change on these: the tables and the examples row follow.
        applied.then(sources.view, None, sources.outputs, api_visibility="private") \
            .then(chat.refresh_examples, None, chat.examples, api_visibility="private")
        for change in sources.changes:
            change.then(chat.refresh_examples, None, chat.examples, api_visibility="private")
        register_api(engine, conversation)
    app.citeqa_engine = engine
    return app
