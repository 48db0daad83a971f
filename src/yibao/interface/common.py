"""What every transaction of the national interface shares: the call, refusals, answers."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from yibao.core.canonical import canonical_json as canonical
from yibao.core.codes import REGION_CODE
from yibao.services import national
from yibao.services.database import Database

#: Allowed clock difference between the institution and the platform.
SIGNATURE_WINDOW_S: Final = 300
#: The largest body the endpoint reads; a longer one is refused (413) while it streams in.
MAX_BODY_BYTES: Final = 4_000_000
#: The deepest nesting of arrays and objects an envelope may have (the national messages
#: need four); deeper ones are refused before anything walks them recursively.
MAX_JSON_DEPTH: Final = 32
MAX_FEE_LINES_PER_VISIT: Final = 2_000
#: The largest amount a message may state (fen fit in 64 bits far beyond it).
MAX_AMOUNT: Final = Decimal("9999999999.99")
# Patterns are matched whole (`fullmatch`) and ASCII only: `\d` and `$` of a plain pattern
# would accept other scripts' digits and a trailing newline.
MSGID: Final = re.compile(r"[A-Za-z0-9_\-]{1,64}", re.ASCII)
REGION: Final = REGION_CODE
DAY: Final = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})([ T][0-9]{2}:[0-9]{2}(:[0-9]{2})?)?",
                        re.ASCII)


@dataclass(frozen=True, slots=True)
class Signed:
    """The signature headers of a request (see docs/interface.md)."""

    institution: str | None
    timestamp: str | None
    signature: str | None


@dataclass(frozen=True, slots=True)
class Answer:
    """An HTTP status and the response envelope as canonical JSON text (the form it is kept
    in, so a replayed msgid is answered with the very bytes of the first answer)."""

    status: int
    text: str

    @classmethod
    def of(cls, status: int, body: dict[str, Any]) -> Answer:
        return cls(status, canonical(body))


@dataclass(frozen=True, slots=True)
class Call:
    """One authenticated request: who sent it, under which msgid, and when; its transaction
    code, whether that writes, and the hash of its body (kept with the answer)."""

    store: Database
    fixmedins_code: str
    msgid: str
    opter: str
    insuplc_admdvs: str | None
    mdtrtarea_admvs: str | None
    now: datetime
    infno: str = ""
    writes: bool = False
    digest: str = ""


@dataclass(frozen=True, slots=True)
class Kept:
    """What a handler returns when it kept the whole answer itself, in its own transaction:
    the answer's canonical text."""

    text: str


def kept(call: Call, answer: dict[str, Any]) -> national.Answer:
    """`answer` as it is kept under the call's msgid, with a write-log row when the transaction
    writes."""
    log = (f"{call.fixmedins_code}/{call.opter}"[:80], f"if.{call.infno}",
           canonical({"infcode": answer["infcode"], "err_msg": answer["err_msg"]}))
    return national.Answer(call.fixmedins_code, call.msgid, call.infno, call.digest,
                           canonical(answer), call.now, log if call.writes else None)


def replay(call: Call, stored: national.KeptAnswer) -> Answer:
    """The stored answer of a repeated msgid, or the refusal when its body differs."""
    if stored.body_hash != call.digest:
        return Answer.of(409, failure(call, Refusal(
            "msgid_conflict", f"报文ID {call.msgid} 已用于内容不同的请求，请使用新的 msgid")))
    return Answer(200, stored.text)


class Refusal(Exception):
    """A refused transaction: a snake_case reason (`err_code`) and a zh-CN message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


Handler = Callable[[Call, Mapping[str, Any]], "dict[str, Any] | Kept"]


def _stamp(call: Call) -> str:
    return call.now.strftime("%Y%m%d%H%M%S%f")[:17]


def success(call: Call, output: dict[str, Any]) -> dict[str, Any]:
    return {"infcode": 0, "inf_refmsgid": uuid.uuid4().hex, "refmsg_time": _stamp(call),
            "err_msg": "", "err_code": "", "output": output}


def failure(call: Call | None, refusal: Refusal) -> dict[str, Any]:
    return {"infcode": -1, "inf_refmsgid": uuid.uuid4().hex,
            "refmsg_time": _stamp(call) if call else "", "err_msg": refusal.message,
            "err_code": refusal.code, "output": {}}


def section(payload: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = payload.get(key)
    if not isinstance(value, Mapping):
        raise Refusal("invalid_request", f"input.{key}：缺少该对象或类型不是对象")
    return value


def text(obj: Mapping[str, Any], key: str, path: str, *, required: bool = True,
         limit: int = 64) -> str | None:
    value = obj.get(key)
    if value is None or value == "":
        if required:
            raise Refusal("invalid_request", f"{path}.{key}：缺少必填字段")
        return None
    if not isinstance(value, str | int) or isinstance(value, bool) or len(str(value)) > limit:
        raise Refusal("invalid_request", f"{path}.{key}：应为不超过 {limit} 个字符的文本")
    return str(value)


def day(obj: Mapping[str, Any], key: str, path: str, *, required: bool = True) -> date | None:
    """A date from `yyyy-mm-dd` or `yyyy-mm-dd HH:MM:SS` (national times carry the clock)."""
    value = text(obj, key, path, required=required)
    if value is None:
        return None
    match = DAY.fullmatch(value)
    try:
        return date.fromisoformat(match.group(1)) if match else date.fromisoformat("x")
    except ValueError:
        raise Refusal("invalid_request", f"{path}.{key}：日期应为 yyyy-mm-dd 或 "
                      "yyyy-mm-dd HH:MM:SS") from None


def amount(obj: Mapping[str, Any], key: str, path: str) -> Decimal | None:
    """An optional amount in yuan (a decimal string or number, at most two decimals), or None."""
    value = obj.get(key)
    if value is None or value == "":
        return None
    problem = Refusal("invalid_request", f"{path}.{key}：应为不超过两位小数的金额，"
                      f"例如 75.00")
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal) or \
            len(str(value)) > len(str(MAX_AMOUNT)) + 1:
        raise problem
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise problem from None
    if not number.is_finite() or abs(number) > MAX_AMOUNT or \
            number != number.quantize(Decimal("0.01")):
        raise problem
    return number


def list_of(payload: Mapping[str, Any], key: str, *, required: bool = True
            ) -> list[Mapping[str, Any]]:
    value = payload.get(key)
    if value is None and not required:
        return []
    if not isinstance(value, list) or not all(isinstance(v, Mapping) for v in value):
        raise Refusal("invalid_request", f"input.{key}：应为对象列表")
    return value
