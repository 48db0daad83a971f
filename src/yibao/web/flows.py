"""The console's cross-region flow page (异地就医流向与直接结算率)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/console", include_in_schema=False)
