"""The console's filing page (异地就医备案, handlers): look up a person's filings, file one and
revoke one. Every request that names a person is a POST form (CSRF-checked), so the ID number
never appears in a URL or an access log; the page is rendered in the answer."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from yibao.core.codes import PROVINCES
from yibao.offsite.model import TYPE_NAMES, FilingType
from yibao.server.deps import StoreDep
from yibao.services.offsite import (
    AREA_LEVEL_NAMES,
    WRITERS,
    Filed,
    FilingProblem,
    FilingRefused,
    beijing_today,
    file_offsite,
    filings_of,
    parse_new_filing,
    revoke_offsite,
)
from yibao.web.html import esc, flash, hidden_fields, page, section, table
from yibao.web.session import FormDep, Viewer, ViewerDep, check_csrf

router = APIRouter(prefix="/console", include_in_schema=False)
TITLE: Final = "异地就医备案"
PSN_NO_MAX: Final = 32
#: A refusal's page status: a role 403, a person or filing outside the scope 404, else 422.
STATUS: Final = {FilingProblem.FORBIDDEN: 403, FilingProblem.OUT_OF_SCOPE: 403,
                 FilingProblem.NOT_FOUND: 404}


def _lookup(who: Viewer, psn_no: str) -> str:
    return section("查询参保人的备案", (
        "<form method='post' action='/console/offsite' class='filters'>"
        + hidden_fields(who.csrf, action="lookup")
        + f"<input name='psn_no' value='{esc(psn_no)}' placeholder='身份证号（人员编号）' "
        f"maxlength='{PSN_NO_MAX}' aria-label='身份证号' required> "
        "<button type='submit'>查询</button></form>"))


def _area(code: str) -> str:
    return f"{code}（{PROVINCES.get(code[:2], '')}）"


def _rows(who: Viewer, psn_no: str, items: Sequence[Filed]) -> str:
    if not items:
        return "<p class='note'>该参保人没有异地就医备案（或不在您的管辖范围内）。</p>"
    writer = who.role in WRITERS
    rows = []
    for item in items:
        f, doc = item.filing, item.to_json()
        revoke = ""
        if writer and f.revoked_on is None and item.status != "expired":
            revoke = ("<form method='post' action='/console/offsite' class='inline'>"
                      + hidden_fields(who.csrf, action="revoke", psn_no=psn_no,
                                      filing_id=f.filing_id)
                      + "<button type='submit'>撤销</button></form>")
        rows.append((esc(f.filing_id), esc(TYPE_NAMES[f.filing_type]), esc(f.insured_region),
                     esc(_area(f.care_area) + AREA_LEVEL_NAMES[doc["area_level"]] + "级"),
                     esc(f.start.isoformat()), esc(doc["end"] or "长期有效"),
                     esc(doc["status_name"] + (f"（{doc['revoked_on']}）"
                                               if doc["revoked_on"] else "")),
                     esc("承诺制" if f.promise else f"材料：{f.materials}"),
                     esc(f"{item.channel} {item.filed_by}"), revoke))
    return table(["备案编号", "类型", "参保地", "就医地", "开始", "结束", "状态", "方式", "办理",
                  "操作"], rows)


def _form(who: Viewer, psn_no: str, fields: dict[str, str]) -> str:
    if who.role not in WRITERS:
        return "<p class='note'>只有经办人员可以办理或撤销备案。</p>"
    picked = fields.get("filing_type", "")
    options = "".join(f"<option value='{k.value}'{' selected' if k.value == picked else ''}>"
                      f"{esc(TYPE_NAMES[k])}</option>" for k in FilingType)
    promise = fields.get("promise", "1") == "1"
    return (
        "<form method='post' action='/console/offsite' class='actions'><div>"
        + hidden_fields(who.csrf, action="file", psn_no=psn_no)
        + f"<label>备案类型 <select name='filing_type'>{options}</select></label>"
        f"<label>就医地（6 位行政区划代码） <input name='care_area' maxlength='6' required "
        f"inputmode='numeric' value='{esc(fields.get('care_area', ''))}' "
        "placeholder='如 510000、510100、511602'></label>"
        f"<label>开始日期 <input name='start' type='date' required "
        f"value='{esc(fields.get('start') or beijing_today().isoformat())}'></label>"
        f"<label><input type='radio' name='promise' value='1'{' checked' if promise else ''}> "
        "承诺制（免交材料）</label>"
        f"<label><input type='radio' name='promise' value='0'{'' if promise else ' checked'}> "
        "提交材料</label>"
        f"<label>材料说明 <textarea name='materials' rows='2' maxlength='2000'>"
        f"{esc(fields.get('materials', ''))}</textarea></label>"
        "<button type='submit'>办理备案</button></div></form>")


def _page(who: Viewer, psn_no: str, found: list[Filed] | FilingRefused | None, *,
          message: str = "", error: str = "", fields: dict[str, str] | None = None,
          status: int = 200) -> HTMLResponse:
    body = flash(message, error) + _lookup(who, psn_no)
    if isinstance(found, FilingRefused):
        body += section("备案", f"<p class='error'>{esc(found.message)}</p>")
    elif found is not None:
        body += section(f"参保人 {psn_no} 的备案", _rows(who, psn_no, found))
        body += section("办理备案", _form(who, psn_no, fields or {}))
    return HTMLResponse(page(TITLE, body, who, who.csrf), status_code=status)


@router.get("/offsite")
def offsite_page(who: ViewerDep) -> HTMLResponse:
    return _page(who, "", None)


@router.post("/offsite")
def offsite_action(who: ViewerDep, fields: FormDep, store: StoreDep) -> HTMLResponse:
    check_csrf(who, fields)
    psn_no = fields.get("psn_no", "").strip()[:PSN_NO_MAX]
    action = fields.get("action", "lookup")
    if not psn_no:
        return _page(who, "", None, error="请填写身份证号（人员编号）", status=422)
    actor = f"console:{who.username}"
    message, error, status, kept = "", "", 200, None
    if action == "file":
        new = parse_new_filing(fields.get("filing_type", ""), fields.get("care_area", "").strip(),
                               fields.get("start", "").strip(),
                               promise=fields.get("promise", "1") == "1",
                               materials=fields.get("materials", ""))
        done = new if isinstance(new, FilingRefused) else file_offsite(
            psn_no, new, actor=actor, channel="console", who=who.principal, store=store)
        if isinstance(done, FilingRefused):
            error, status, kept = done.message, STATUS.get(done.reason, 422), fields
        else:
            f = done.filing
            message = (f"已备案 {f.filing_id}：{TYPE_NAMES[f.filing_type]}，就医地 {f.care_area}，"
                       f"{f.start.isoformat()} 至 {done.to_json()['end'] or '长期有效'}")
    elif action == "revoke":
        filing_id = fields.get("filing_id", "")[:32]
        done = revoke_offsite(filing_id, actor=actor, who=who.principal, store=store)
        if isinstance(done, FilingRefused):
            error, status = done.message, STATUS.get(done.reason, 422)
        else:
            message = f"已撤销备案 {filing_id}"
    elif action != "lookup":
        error, status = "未知的操作", 422
    found = filings_of(psn_no, who=who.principal, store=store)
    if isinstance(found, FilingRefused) and status == 200:
        status = STATUS.get(found.reason, 422)
    return _page(who, psn_no, found, message=message, error=error, fields=kept, status=status)
