"""The envelope and its signature: HMAC-SHA256 over the timestamp and the body.

Headers: `X-Yibao-Institution` (the `fixmedins_code`), `X-Yibao-Timestamp` (Unix seconds) and
`X-Yibao-Signature` = hex HMAC-SHA256(secret, timestamp + "\\n" + body). A timestamp more than
five minutes away from the platform's clock is refused, so a captured request cannot be sent
again later; within the window a repeat is answered from the store by its `msgid`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any, Final

from yibao.core.codes import check_institution
from yibao.interface.common import (
    MAX_BODY_BYTES,
    MAX_JSON_DEPTH,
    MSGID,
    REGION,
    SIGNATURE_WINDOW_S,
    Answer,
    Refusal,
    Signed,
    failure,
)
from yibao.services.database import Database
from yibao.services.secrets import read_secret, remembered_secret

ENVELOPE_TEXT: Final = ("infno", "msgid", "fixmedins_code")


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The signature an institution sends with `body` at `timestamp`."""
    return hmac.new(secret.encode(), timestamp.encode() + b"\n" + body,
                    hashlib.sha256).hexdigest()


def _refused(status: int, code: str, message: str) -> Answer:
    return Answer.of(status, failure(None, Refusal(code, message)))


#: A signature is 64 hex digits; a timestamp Unix seconds in ASCII digits (a longer one cannot
#: be within the window, and `int()` of thousands of digits is refused by Python itself).
SIGNATURE: Final = re.compile(r"[0-9a-fA-F]{64}", re.ASCII)
TIMESTAMP: Final = re.compile(r"[0-9]{1,12}", re.ASCII)
INFNO: Final = re.compile(r"[0-9A-Za-z]{1,8}", re.ASCII)


def check_headers(signed: Signed, now: datetime) -> Answer | None:
    """None when the three signature headers are present, well formed and the timestamp is
    within the window: what can be refused before the body is read or the store is asked."""
    if not signed.institution or not signed.timestamp or not signed.signature:
        return _refused(401, "unsigned", "缺少签名请求头 X-Yibao-Institution、X-Yibao-Timestamp、"
                        "X-Yibao-Signature")
    if check_institution(signed.institution) is not None:
        return _refused(401, "unknown_institution",
                        "X-Yibao-Institution：定点医药机构代码格式有误")
    if not TIMESTAMP.fullmatch(signed.timestamp) or \
            abs(int(signed.timestamp) - now.timestamp()) > SIGNATURE_WINDOW_S:
        return _refused(401, "stale_timestamp", "时间戳无效或与平台时间相差超过 5 分钟")
    if not SIGNATURE.fullmatch(signed.signature):
        return _refused(401, "bad_signature", "签名校验失败：X-Yibao-Signature 应为 64 位十六进制")
    return None


def too_large() -> Answer:
    """The refusal of a body longer than MAX_BODY_BYTES."""
    return _refused(413, "too_large", f"报文超过 {MAX_BODY_BYTES} 字节")


def verify_signature(body: bytes, signed: Signed, store: Database, now: datetime) -> Answer | None:
    """None when the request is signed by a registered institution within the window."""
    refused = check_headers(signed, now)
    if refused is not None:
        return refused
    assert signed.institution and signed.timestamp and signed.signature
    if len(body) > MAX_BODY_BYTES:
        return too_large()
    signature = signed.signature.lower()
    secret = remembered_secret(signed.institution, store=store)
    if secret is None or not hmac.compare_digest(sign(secret, signed.timestamp, body),
                                                 signature):
        secret = read_secret(signed.institution, store=store)  # new, rotated, or removed
        if secret is None:
            return _refused(401, "unknown_institution",
                            f"机构 {signed.institution} 未在平台登记接口密钥")
        if not hmac.compare_digest(sign(secret, signed.timestamp, body), signature):
            return _refused(401, "bad_signature", "签名校验失败")
    return None


def _check_fields(doc: Mapping[str, Any], institution: str) -> Refusal | None:
    for key in ENVELOPE_TEXT:
        if not isinstance(doc.get(key), str) or not doc[key]:
            return Refusal("invalid_request", f"{key}：缺少必填字段")
    if not INFNO.fullmatch(doc["infno"]):
        return Refusal("invalid_request", "infno：应为 1–8 位字母或数字的交易编号")
    if not MSGID.fullmatch(doc["msgid"]):
        return Refusal("invalid_request", "msgid：应为 1–64 位字母、数字、_ 或 -")
    if check_institution(doc["fixmedins_code"]) is not None:
        return Refusal("invalid_request", "fixmedins_code：定点医药机构代码格式有误")
    if doc["fixmedins_code"] != institution:
        return Refusal("other_institution", "fixmedins_code 与签名机构不一致")
    for key in ("insuplc_admdvs", "mdtrtarea_admvs"):
        value = doc.get(key)
        if value not in (None, "") and not (isinstance(value, str) and REGION.fullmatch(value)):
            return Refusal("invalid_request", f"{key}：应为 6 位行政区划代码")
    if not isinstance(doc.get("input"), Mapping):
        return Refusal("invalid_request", "input：缺少该对象或类型不是对象")
    return None


def _unstorable(doc: object) -> str | None:
    """Why the parsed document cannot be taken (too deep, a NUL character or a lone surrogate
    in a key or text: no database column holds them, and UTF-8 cannot encode a surrogate), or
    None. Walks without recursion, so no document is too deep for the walk itself."""
    stack: list[tuple[object, int]] = [(doc, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            items: list[object] = [*value.keys(), *value.values()]
        elif isinstance(value, list):
            items = value
        else:
            continue
        if depth > MAX_JSON_DEPTH:
            return f"报文嵌套超过 {MAX_JSON_DEPTH} 层"
        for item in items:
            if isinstance(item, str):
                if "\x00" in item:
                    return "报文含有空字符 \\u0000"
                if not item.isascii() and _has_surrogate(item):
                    return "报文含有无法编码的字符（孤立的 UTF-16 代理项 \\ud800–\\udfff）"
            elif isinstance(item, dict | list):
                stack.append((item, depth + 1))
    return None


def _has_surrogate(text: str) -> bool:
    try:
        text.encode()
    except UnicodeEncodeError:
        return True
    return False


def parse_envelope(body: bytes, institution: str | None
                   ) -> Answer | tuple[dict[str, Any], str, Mapping[str, Any]]:
    """(the document, `infno`, `input`), or the answer refusing the envelope."""
    try:
        doc = json.loads(body, parse_float=Decimal)
    except (ValueError, UnicodeDecodeError):
        return _refused(400, "invalid_request", "报文不是合法的 JSON")
    except RecursionError:
        return _refused(400, "invalid_request", f"报文嵌套超过 {MAX_JSON_DEPTH} 层")
    if not isinstance(doc, dict):
        return _refused(400, "invalid_request", "报文应为 JSON 对象")
    unstorable = _unstorable(doc)
    if unstorable is not None:
        return _refused(400, "invalid_request", unstorable)
    problem = _check_fields(doc, institution or "")
    if problem is not None:
        status = 403 if problem.code == "other_institution" else 400
        return Answer.of(status, failure(None, problem))
    if doc.get("insuplc_admdvs") == "":
        doc["insuplc_admdvs"] = None
    return doc, doc["infno"], doc["input"]
