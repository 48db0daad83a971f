"""The HTTP face (FastAPI): the national interface for institutions and the bureau's REST API.

Thin: a route parses its input, calls one service function and maps the result (docs/api.md,
docs/interface.md). `create_app(store)` builds the application; `yibao serve` runs it.
"""
