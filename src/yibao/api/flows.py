"""The bureau API's cross-region flows and direct-settlement rates (异地就医流向与直接结算率)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api/v1", tags=["医保局 bureau API v1"])
