"""The console's clearing pages (异地就医清算与预付金)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/console", include_in_schema=False)
