"""The Gradio chat app. Pure parts: rendering.py (answers as Markdown), conversation.py (per-session state
and export), panel.py (a citation in its document), sources.py, regression.py, engine.py (applies
settings and uploads). The page: page.py composes chat_tab.py, sources_tab.py, settings_tab.py,
regression_tab.py and api.py; server.py is `python app.py`, with middleware.py checking each request
before Gradio sees it (hosts.py: the Host names served; limits.py: sign-in and upload limits).
"""
