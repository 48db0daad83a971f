"""The bureau's REST API (FastAPI, `/api/v1`), auth and regional scope.

Thin: a route parses its input, calls one service function and maps the result (docs/api.md).
`yibao.server.app.create_app(store)` mounts it beside the national interface and the console;
`yibao serve` runs it.
"""
