"""The console's filing pages (异地就医备案, handlers)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/console", include_in_schema=False)
