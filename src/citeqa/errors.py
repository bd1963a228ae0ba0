"""Errors a user can act on. Each carries one clear sentence; the CLI and chat print it, never a traceback."""


class CiteqaError(Exception):
    """Base: the message is meant for the user as is."""


class SettingsError(CiteqaError):
    pass


class InputError(CiteqaError):
    """A question or a path the user gave cannot be used."""


class DocumentError(CiteqaError):
    """One document cannot be read; ingest skips it and goes on."""


class StoreError(CiteqaError):
    """The vector store cannot be reached or opened."""


class ModelError(CiteqaError):
    """An embedding model cannot be loaded."""


class AnswererUnavailable(CiteqaError):
    """A generative backend is missing or unreachable."""
