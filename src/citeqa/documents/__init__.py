"""Stage 1, documents: a file -> the text as read (what every offset points into) -> sentences -> passages.

registry.py routes a file to its reader (one module per format: text.py, markdown.py); chunking.py
splits the text into sentences and passages that keep exact character spans and lines.
"""
