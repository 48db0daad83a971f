"""The bureau API's cross-region filing routes (异地就医备案; docs/offsite.md)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api/v1", tags=["医保局 bureau API v1"])
