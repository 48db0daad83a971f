"""Settle request documents without a store: the stateless use case behind `yibao settle`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from yibao.policy.loader import PolicyError, load_policy
from yibao.policy.model import Policy
from yibao.settle.engine import settle
from yibao.settle.request import RequestError, parse_request

#: Completes a request's fee lines from a catalogue before validation (see `yibao.catalog`).
Completer = Callable[[Mapping[str, Any]], Mapping[str, Any]]


def policy_problem(error: PolicyError) -> str:
    """One zh-CN sentence for a policy file that cannot be used: where, why, which key."""
    where = f"{error.file}:{error.line}" if error.line else error.file
    key = f"（键 {error.key}）" if error.key not in ("", "policy") else ""
    return f"政策文件 {where} 不可用：{error.message}{key}"


def policy_resolver(policy_file: Path | None) -> Callable[[str], Policy]:
    """Resolve a request's `policy` reference, or always the given file when one is named
    (a file that cannot be used is a `RequestError` on `--policy-file`)."""
    if policy_file is not None:
        try:
            fixed = load_policy(str(policy_file))
        except PolicyError as error:
            raise RequestError("--policy-file", policy_problem(error)) from None
        return lambda _ref: fixed
    known: dict[str, Policy] = {}

    def resolve(ref: str) -> Policy:
        if ref not in known:
            known[ref] = load_policy(ref)
        return known[ref]

    return resolve


def settle_document(
    doc: object, *, policy_file: Path | None = None, complete: Completer | None = None
) -> dict[str, object]:
    """Validate one request document and settle it; raises `RequestError` on bad input."""
    resolve = policy_resolver(policy_file)
    if complete is not None and isinstance(doc, Mapping):
        doc = complete(doc)
    if policy_file is not None and isinstance(doc, Mapping) and "policy" not in doc:
        doc = {**doc, "policy": str(policy_file)}
    request = parse_request(doc, resolve)
    return settle(request, resolve(request.policy)).to_json()


__all__ = ["Completer", "RequestError", "policy_resolver", "settle_document"]
