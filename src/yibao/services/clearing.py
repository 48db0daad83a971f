"""Clearing between regions (异地就医清算, 先预付后清算; docs/offsite.md, "Clearing"): the
monthly statement of every (care region, insured region) pair posted in both regions' ledgers
(`yibao offsite clear`), the national clearing file of the cross-province pairs (`yibao offsite
export`) and the posting of another deployment's file on the care side (`yibao offsite
import`), and the reads of the API and the console.

A month is cleared once it is over (Beijing time). Its statement clears every offsite direct
settlement and reversal made before its end and not cleared yet (a reversal made after its
settlement's month was cleared enters the month it was made in; an item a cleared pair missed
enters the next month). Each month and pair, and each item, is cleared exactly once: clearings
take one lock (PostgreSQL advisory lock; SQLite's write lock), and the keys of
`offsite_clearings` and `offsite_clearing_items` refuse a second.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any, Final

from yibao.core.beijing import BEIJING, beijing_text
from yibao.core.canonical import canonical_json
from yibao.core.codes import REGION_CODE
from yibao.core.money import fmt, from_fen, to_fen
from yibao.fund.accounts import AccountCode, AccountKey, signed_balance
from yibao.fund.postings import PostingSet
from yibao.offsite.clearing import (
    MONTH,
    Item,
    ItemKind,
    Pair,
    PairStatement,
    by_pair,
    care_postings,
    cross_province,
    insured_postings,
    month_start,
    next_month,
    province,
    statement_json,
    statements,
)
from yibao.policy.filing import DEFAULT_FILING
from yibao.policy.loader import PolicyError, load_policy
from yibao.services import bureau
from yibao.services.accounts import Principal, scope_prefix
from yibao.services.bureau import ReadRefusal
from yibao.services.bureau import Refused as ReadRefused
from yibao.services.fund import post_entry
from yibao.store import Store, default_store
from yibao.store.uow import UnitOfWork

FILE_FORMAT: Final = "yibao-offsite-clearing/1"
AMOUNT: Final = re.compile(r"-?[0-9]{1,16}\.[0-9]{2}")
ITEM_ID: Final = re.compile(r"[0-9A-Za-z_-]{1,32}")
INSTITUTION_CODE: Final = re.compile(r"[0-9A-Za-z]{1,12}")


class ClearRefusal(StrEnum):
    """Why a clearing, export or import did nothing (the faces: exit 2 / 422)."""

    BAD_MONTH = "bad_month"
    MONTH_OPEN = "month_open"
    NOT_CLEARED = "not_cleared"
    UNREADABLE = "unreadable"
    BAD_FILE = "bad_file"
    TAMPERED = "tampered"
    NOT_OURS = "not_ours"
    ITEM_CLEARED = "item_cleared"


@dataclass(frozen=True, slots=True)
class Refused:
    reason: ClearRefusal
    message: str


@dataclass(frozen=True, slots=True)
class Cleared:
    """A month's statement: every pair cleared for it (by this run or before), with where its
    care side was posted (`local`, `export`: by the deployment importing the file, `import`:
    from another deployment's file), and the pairs this run posted."""

    month: str
    pairs: tuple[tuple[str, PairStatement], ...]
    posted: tuple[Pair, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return statement_json(self.month, [st for _, st in self.pairs])


@dataclass(frozen=True, slots=True)
class Exported:
    month: str
    path: Path
    sender: str
    pairs: tuple[PairStatement, ...]
    checksum: str


@dataclass(frozen=True, slots=True)
class Imported:
    month: str
    path: Path
    sender: str
    posted: tuple[PairStatement, ...]
    skipped: tuple[Pair, ...] = field(default=())


def parse_month(text: str) -> str | Refused:
    if not MONTH.fullmatch(text):
        return Refused(ClearRefusal.BAD_MONTH, f"月份 {text!r} 有误：应为 YYYY-MM，如 2026-01")
    return text


def _instant(day: date) -> datetime:
    """Beijing midnight at the start of `day`, in UTC (what the store keeps)."""
    return datetime.combine(day, time(), BEIJING).astimezone(UTC)


def month_end(month: str) -> datetime:
    """The instant (UTC) the Beijing month ends."""
    return _instant(month_start(next_month(month)))


def _last_day(month: str) -> date:
    return month_start(next_month(month)) - timedelta(days=1)


def _prepayment_months(region: str, year: int, cache: dict[str, Decimal]) -> Decimal:
    """The insured region's `[filing] prepayment_months` for the year (the default when it has
    no policy for it: docs/offsite.md)."""
    if region not in cache:
        try:
            cache[region] = load_policy(f"{region}-{year}").filing.prepayment_months
        except PolicyError:
            cache[region] = DEFAULT_FILING.prepayment_months
    return cache[region]


def _held(uow: UnitOfWork, pair: Pair) -> int:
    """The prepayment the insured region keeps with the care region (its own ledger's
    `offsite_prepaid`; the care side's `offsite_prepay_held` when only that is here)."""
    care, insured = pair
    key = AccountKey(insured, AccountCode.OFFSITE_PREPAID, care)
    debit, credit = uow.ledger.stored_balance(key)
    if debit or credit:
        return signed_balance(key.kind, debit, credit)
    held = AccountKey(care, AccountCode.OFFSITE_PREPAY_HELD, insured)
    return signed_balance(held.kind, *uow.ledger.stored_balance(held))


def _post(uow: UnitOfWork, sets: Sequence[PostingSet], pair: Pair, now: datetime,
          booked_on: date) -> None:
    for entry in sets:
        if entry.postings:
            post_entry(uow, entry, "-".join(pair), now, booked_on)


def _read(store: Store, month: str) -> Cleared:
    with store.unit_of_work(read_only=True) as uow:
        return Cleared(month, tuple(uow.clearing.statements(month)))


def clear_month(month: str, *, store: Store | None = None, now: datetime | None = None
                ) -> Cleared | Refused:
    """Clear `month` (`yibao offsite clear`): each pair with items gets its statement, posted
    in the insured region's ledger and (within the province) the care region's, in one
    transaction; a pair already cleared for the month is left as it is."""
    checked = parse_month(month)
    if isinstance(checked, Refused):
        return checked
    now = now or datetime.now(UTC)
    end = month_end(month)
    if end > now:
        return Refused(ClearRefusal.MONTH_OPEN,
                       f"月份 {month} 尚未结束（北京时间），结束后才能清算")
    store = store or default_store()
    year = month_start(month).year
    prior = (_instant(date(year - 1, 1, 1)), _instant(date(year, 1, 1)))
    booked_on = _last_day(month)

    def work(uow: UnitOfWork) -> tuple[Pair, ...]:
        uow.clearing.lock()
        done = uow.clearing.cleared_pairs(month)
        items = by_pair(it for it in uow.clearing.uncleared(end) if it.pair not in done)
        cache: dict[str, Decimal] = {}
        made = statements(month, (it for group in items.values() for it in group),
                          lambda region: _prepayment_months(region, year, cache),
                          uow.clearing.amounts_between(*prior),
                          {pair: _held(uow, pair) for pair in items})
        for st in made:
            cross = cross_province(*st.pair)
            sets = (insured_postings(st),) if cross else (insured_postings(st),
                                                          *care_postings(st))
            _post(uow, sets, st.pair, now, booked_on)
            uow.clearing.add(st, "export" if cross else "local", now)
            uow.clearing.add_items(month, items[st.pair])
        uow.commit()
        return tuple(st.pair for st in made)

    posted = store.transaction(work)
    return Cleared(month, _read(store, month).pairs, posted)


# ---------- the national clearing file (跨省) ----------

def file_checksum(body: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of the canonical JSON of a clearing file without its `checksum`."""
    return hashlib.sha256(canonical_json(body).encode()).hexdigest()


def _money(fen: int) -> str:
    return fmt(from_fen(fen))


def _sender(uow: UnitOfWork) -> str:
    return ",".join(sorted({province(r) for r in uow.clearing.insured_regions()}))


def export_month(month: str, out: Path, *, store: Store | None = None,
                 now: datetime | None = None) -> Exported | Refused:
    """Write the cross-province pairs of a cleared month to `out` (docs/offsite.md, "The
    national clearing file"): their statements, each institution's amount and each item."""
    checked = parse_month(month)
    if isinstance(checked, Refused):
        return checked
    now = now or datetime.now(UTC)
    store = store or default_store()
    with store.unit_of_work(read_only=True) as uow:
        waiting = [it for it in uow.clearing.uncleared(month_end(month))
                   if cross_province(*it.pair)]
        if waiting:
            return Refused(ClearRefusal.NOT_CLEARED,
                           f"{month} 有 {len(waiting)} 笔跨省异地就医结算尚未清算："
                           f"请先运行 yibao offsite clear --month {month}")
        pairs = [st for source, st in uow.clearing.statements(month) if source == "export"]
        body = {"format": FILE_FORMAT, "month": month, "sender": _sender(uow),
                "created_at": beijing_text(now), "pairs": [{
                    **st.to_json(),
                    "institutions": [{"fixmedins_code": code, "amount": _money(fen)}
                                     for code, fen in uow.clearing.institutions_of(month,
                                                                                   st.pair)],
                    "items": [{"id": it.item_id, "kind": it.kind.value,
                               "fixmedins_code": it.fixmedins_code,
                               "amount": _money(it.amount_fen)}
                              for it in uow.clearing.items_of(month, st.pair)]}
                    for st in pairs]}
    checksum = file_checksum(body)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps({**body, "checksum": checksum}, ensure_ascii=False, indent=1)
                       + "\n", encoding="utf-8")
    except OSError as err:
        return Refused(ClearRefusal.UNREADABLE, f"无法写入清算文件 {out}：{err.strerror}")
    return Exported(month, out, str(body["sender"]), tuple(pairs), checksum)


class _Bad(ValueError):
    """A clearing file that is not what the format says (zh-CN message)."""


class _Tampered(_Bad):
    """A clearing file whose checksum does not match its content."""


def _field(obj: Any, key: str, where: str) -> Any:
    if not isinstance(obj, dict) or key not in obj:
        raise _Bad(f"{where}缺少字段 {key}")
    return obj[key]


def _fen(obj: Any, key: str, where: str) -> int:
    value = _field(obj, key, where)
    if not isinstance(value, str) or not AMOUNT.fullmatch(value):
        raise _Bad(f"{where}字段 {key} 应为两位小数的金额字符串")
    return to_fen(Decimal(value))


def _text(obj: Any, key: str, where: str, pattern: re.Pattern[str]) -> str:
    value = _field(obj, key, where)
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise _Bad(f"{where}字段 {key} 的值 {value!r} 有误")
    return value


def _pair_of(month: str, raw: Any, n: int) -> tuple[PairStatement, list[Item]]:
    where = f"第 {n} 个清算对的"
    care = _text(raw, "care_region", where, REGION_CODE)
    insured = _text(raw, "insured_region", where, REGION_CODE)
    count = _field(raw, "settlements", where)
    if not isinstance(count, int) or isinstance(count, bool):
        raise _Bad(f"{where}字段 settlements 应为整数")
    items = []
    for k, item in enumerate(_field(raw, "items", where) or (), start=1):
        at = f"{where}第 {k} 条明细"
        kind = _field(item, "kind", at)
        if kind not in (ItemKind.SETTLEMENT.value, ItemKind.REVERSAL.value):
            raise _Bad(f"{at}字段 kind 应为 settlement 或 reversal")
        items.append(Item(_text(item, "id", at, ITEM_ID), ItemKind(kind), care, insured,
                          _text(item, "fixmedins_code", at, INSTITUTION_CODE),
                          _fen(item, "amount", at)))
    institutions = tuple(sorted(
        (_text(row, "fixmedins_code", where, INSTITUTION_CODE),
         _fen(row, "amount", where)) for row in _field(raw, "institutions", where) or ()))
    st = PairStatement(month, care, insured, count, _fen(raw, "fund_amount", where),
                       _fen(raw, "reversed_amount", where), _fen(raw, "prepayment", where),
                       _fen(raw, "prepayment_topup", where), _fen(raw, "due", where),
                       institutions)
    problems = st.problems()
    settled = [it for it in items if it.kind is ItemKind.SETTLEMENT]
    if (len(settled) != count or sum(it.amount_fen for it in settled) != st.fund_fen
            or sum(it.amount_fen for it in items) - sum(it.amount_fen for it in settled)
            != st.reversed_fen):
        problems.append("明细与笔数、金额不符")
    by_code: dict[str, int] = {}
    for it in items:
        by_code[it.fixmedins_code] = by_code.get(it.fixmedins_code, 0) + it.signed_fen
    if tuple(sorted(by_code.items())) != institutions:
        problems.append("各机构金额与明细不符")
    if problems or not cross_province(care, insured):
        raise _Bad(f"清算对 {care}←{insured} 有误：" + "；".join(
            problems or ["同省的清算对不经清算文件"]))
    return st, items


def _parse_file(path: Path) -> tuple[str, str, str, list[tuple[PairStatement, list[Item]]]]:
    """(month, sender, checksum, pairs) of a clearing file; `_Bad` naming the problem."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise _Bad(f"无法读取清算文件 {path}：{err.strerror}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise _Bad(f"清算文件 {path} 不是有效的 UTF-8 JSON：{err}") from None
    if not isinstance(doc, dict) or doc.get("format") != FILE_FORMAT:
        raise _Bad(f"清算文件 {path} 的格式（format）应为 {FILE_FORMAT}")
    checksum = _field(doc, "checksum", "清算文件")
    body = {k: v for k, v in doc.items() if k != "checksum"}
    if checksum != file_checksum(body):
        raise _Tampered(f"清算文件 {path} 的校验和（checksum）不符：文件在导出后被改动或损坏")
    month = _field(doc, "month", "清算文件")
    if not isinstance(month, str) or not MONTH.fullmatch(month):
        raise _Bad(f"清算文件的月份（month）{month!r} 有误")
    sender = _field(doc, "sender", "清算文件")
    raw_pairs = _field(doc, "pairs", "清算文件")
    if not isinstance(raw_pairs, list):
        raise _Bad("清算文件的 pairs 应为列表")
    pairs = [_pair_of(month, raw, n) for n, raw in enumerate(raw_pairs, start=1)]
    named = [st.pair for st, _ in pairs]
    ids = [it.item_id for _, items in pairs for it in items]
    if len(set(named)) != len(named) or len(set(ids)) != len(ids):
        raise _Bad(f"清算文件 {path} 中有重复的清算对或清算明细")
    return month, str(sender), checksum, pairs


def import_file(path: Path, *, store: Store | None = None, now: datetime | None = None
                ) -> Imported | Refused:
    """Post another deployment's clearing file on the care side (`yibao offsite import`): each
    pair whose care region's province this store insures, exactly once per month and pair; a
    bad, tampered or foreign file is refused whole, nothing written."""
    try:
        month, sender, checksum, pairs = _parse_file(path)
    except _Tampered as err:
        return Refused(ClearRefusal.TAMPERED, str(err))
    except _Bad as err:
        return Refused(ClearRefusal.BAD_FILE, str(err))
    now = now or datetime.now(UTC)
    store = store or default_store()
    booked_on = _last_day(month)

    def work(uow: UnitOfWork) -> Imported | Refused:
        ours = {province(r) for r in uow.clearing.insured_regions()}
        codes = sorted({code for st, _ in pairs for code, _ in st.institutions})
        registered = uow.clearing.institution_regions(codes)
        for st, _ in pairs:
            if province(st.care_region) not in ours or province(st.insured_region) in ours:
                return Refused(ClearRefusal.NOT_OURS,
                               f"清算对 {st.care_region}←{st.insured_region} 的就医地不在本部署"
                               f"（本部署参保地所在省：{'、'.join(sorted(ours)) or '无'}）")
            for code, _ in st.institutions:
                if registered.get(code) != st.care_region:
                    return Refused(ClearRefusal.NOT_OURS,
                                   f"机构 {code} 未在就医地 {st.care_region} 登记")
        uow.clearing.lock()
        done = uow.clearing.cleared_pairs(month)
        todo = [(st, items) for st, items in pairs if st.pair not in done]
        known = uow.clearing.known_items([it.item_id for _, items in todo for it in items])
        if known:
            return Refused(ClearRefusal.ITEM_CLEARED,
                           f"清算明细 {'、'.join(sorted(known)[:5])} 已清算过，文件未导入")
        for st, items in todo:
            _post(uow, care_postings(st), st.pair, now, booked_on)
            uow.clearing.add(st, "import", now, checksum)
            uow.clearing.add_items(month, items)
        uow.commit()
        return Imported(month, path, sender, tuple(st for st, _ in todo),
                        tuple(st.pair for st, _ in pairs if st.pair in done))

    return store.transaction(work)


# ---------- reads of the API and the console ----------

@dataclass(frozen=True, slots=True)
class ClearingView:
    """The statements of a month (every month when None) of the pairs with a region in the
    reader's scope, the month's net by region, and each such pair's prepayment (after its
    latest clearing): the API's and the console's."""

    month: str | None
    pairs: list[dict[str, Any]]
    net: dict[str, str]
    prepayments: list[dict[str, str]]


def clearing_view(who: Principal, month: str | None, *, store: Store | None = None
                  ) -> ClearingView | ReadRefused:
    """Finance staff, directors and administrators (the fund reads' roles), in their scope."""
    refused = bureau.allowed(who, "funds", None)
    if refused is not None:
        return refused
    if month is not None and isinstance(parse_month(month), Refused):
        return ReadRefused(ReadRefusal.INVALID, f"月份 {month!r} 有误：应为 YYYY-MM，如 2026-01")
    regions = scope_prefix(who.region)
    with (store or default_store()).unit_of_work(read_only=True) as uow:
        every = uow.clearing.statements(None, regions)
    rows = [(source, st) for source, st in every if month is None or st.month == month]
    latest: dict[Pair, PairStatement] = {}
    for _, st in every:
        latest[st.pair] = st
    return ClearingView(
        month, [{"month": st.month, "source": source, **st.to_json()} for source, st in rows],
        statement_json(month, [st for _, st in rows])["net"] if month else {},
        [{"care_region": st.care_region, "insured_region": st.insured_region,
          "month": st.month, "prepayment": _money(st.prepayment_fen)}
         for pair, st in sorted(latest.items())])
