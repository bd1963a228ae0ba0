"""The session's scope on the page: the Collection list above the chat, the line saying what a question
is asked of, and the ticks in the Sources list. Every change goes through app/scopes.py, which checks
the value the page sent against what this caller may see; the page only shows the result."""

import gradio as gr

from citeqa.errors import CiteqaError


def wire_scope(app: gr.Blocks, scopes, scope: gr.State, role: gr.State, chat, sources, after: list) -> None:
    """Connect the scope controls of the Chat (`chat.collection`, `chat.scope_line`) and Sources
    (`sources.ticks`) tabs; `after`: more events after which the scope is shown again (sign-in, Apply)."""

    def shown(scope, role, request, note: str = ""):
        v = scopes.view(scope, role, request)
        line = f"✗ {note}\n\n{v['line']}" if note else v["line"]
        return (v["state"], gr.Dropdown(choices=v["collections"], value=v["collection"]), line,
                gr.CheckboxGroup(choices=v["documents"], value=v["ticked"]))

    def view(scope, role, request: gr.Request):
        return shown(scope, role, request)

    def choose(name, scope, role, request: gr.Request):
        try:
            return shown(scopes.choose(name, role, request), role, request)
        except CiteqaError as e:  # a name this caller may not see: as if it did not exist
            return shown(scope, role, request, str(e))

    def tick(values, scope, role, request: gr.Request):
        try:
            return shown(scopes.tick(scope, values, role, request), role, request)
        except CiteqaError as e:
            return shown(scope, role, request, str(e))

    outputs = [scope, chat.collection, chat.scope_line, sources.ticks]
    inputs = [scope, role]
    app.load(view, inputs, outputs, api_visibility="private", queue=False)
    chat.collection.input(choose, [chat.collection, *inputs], outputs, api_visibility="private", queue=False) \
        .then(sources.view, sources.inputs, sources.outputs, api_visibility="private", queue=False) \
        .then(chat.refresh_examples, inputs, chat.examples, api_visibility="private", queue=False)
    sources.ticks.input(tick, [sources.ticks, *inputs], outputs, api_visibility="private", queue=False)
    for event in [*chat.history.opened, *sources.changes, *after]:
        event.then(view, inputs, outputs, api_visibility="private", queue=False)
    for event in sources.collection_changes:
        event.then(view, inputs, outputs, api_visibility="private", queue=False) \
            .then(sources.view, sources.inputs, sources.outputs, api_visibility="private", queue=False) \
            .then(chat.refresh_examples, inputs, chat.examples, api_visibility="private", queue=False)
