"""The envelope's schemas, for the OpenAPI description of the national interface's endpoint."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class NationalRequest(BaseModel):
    """The national envelope (请求报文). `input` is the transaction's body (docs/interface.md)."""

    model_config = ConfigDict(extra="allow")

    infno: str = Field(examples=["2207"])
    msgid: str = Field(max_length=64, examples=["H51162300001202403091200000001"])
    mdtrtarea_admvs: str | None = Field(None, examples=["511623"])
    insuplc_admdvs: str | None = Field(None, examples=["511623"])
    fixmedins_code: str = Field(examples=["H51162300001"])
    opter: str | None = Field(None, examples=["0001"])
    inf_time: str | None = Field(None, examples=["2024-03-09 12:00:00"])
    input: dict[str, Any]


class NationalResponse(BaseModel):
    """The national answer (响应报文): `infcode` 0 success, -1 refused with `err_msg`;
    `err_code` (an extension) names the reason in snake_case."""

    infcode: int
    inf_refmsgid: str
    refmsg_time: str
    err_msg: str
    err_code: str
    output: dict[str, Any]
