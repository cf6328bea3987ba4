"""The web desk for records staff (FastAPI, server-rendered pages, vendored htmx)."""

from engine.web.app import create_app

__all__ = ["create_app"]
