"""The console's 门诊慢特病认定 pages (handlers): the certifications of the scope with filters,
paging and an Excel export; the 复审到期 view; a person's certifications with the 认定 form (or
an application recorded as 未通过) and the 撤销 buttons.

Every request that names a person is a POST form (CSRF-checked), so ID numbers never appear in
a URL or an access log; the person's page (and its export) is the answer to the POST. The lists
of the scope are GET pages (filters: disease, state, days). Dates are days of the Beijing
calendar (today is Beijing's)."""

from __future__ import annotations

from typing import Annotated, Any, Final
from urllib.parse import urlencode

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse

from yibao.opsp.model import STATE_NAMES, CertState
from yibao.server.deps import StoreDep
from yibao.services.offsite import beijing_today
from yibao.services.opsp import (
    EXPIRING_MAX_DAYS,
    NOTE_MAX,
    PSN_NO_MAX,
    WRITERS,
    CertFilter,
    Certified,
    CertPage,
    CertProblem,
    CertRefused,
    certify,
    disease_choices,
    export_certifications,
    find_certifications,
    parse_filter,
    parse_new_certification,
    refuse,
    revoke,
)
from yibao.web import export
from yibao.web.columns import Column, Row, html_table
from yibao.web.html import esc, flash, hidden_fields, link, page, pager, section
from yibao.web.session import FormDep, Viewer, ViewerDep, check_csrf

router = APIRouter(prefix="/console", include_in_schema=False)
TITLE: Final = "门诊慢特病认定"
EXPIRING_TITLE: Final = "门诊慢特病复审到期"
PAGE_ROWS: Final = 50
DAYS_DEFAULT: Final = 30
#: A refusal's page status: a role or a region outside the scope 403, a person or
#: certification outside the scope 404, else 422.
STATUS: Final[dict[str, int]] = {CertProblem.FORBIDDEN: 403, CertProblem.OUT_OF_SCOPE: 403,
                 CertProblem.NOT_FOUND: 404}
Code = Annotated[str, Query(max_length=20)]
PageNo = Annotated[int, Query(ge=1, le=10**6)]


def _held(row: Row) -> str:
    if row["valid_from"] is None:
        return ""
    return f"{row['valid_from']} 至 {row['valid_until']}"


def _state(row: Row) -> str:
    revoked = f"（{row['revoked_on']} 起）" if row["revoked_on"] else ""
    return f"{row['state_name']}{revoked}"


COLUMNS: Final = (
    Column("认定编号", lambda r: r["cert_id"]),
    Column("身份证号（人员编号）", lambda r: r["psn_no"]),
    Column("参保地", lambda r: r["insured_region"]),
    Column("病种", lambda r: f"{r['disease']} {r['disease_name']}".strip()),
    Column("诊断（ICD-10）", lambda r: r["icd10"]),
    Column("认定机构", lambda r: r["institution"]),
    Column("认定医师", lambda r: r["doctor"]),
    Column("有效期", _held),
    Column("状态", _state),
    Column("办理日期", lambda r: r["decided_on"]),
    Column("办理人", lambda r: r["decided_by"]),
    Column("未通过原因", lambda r: r["note"]),
)


def _select(name: str, label: str, choices: dict[str, str], picked: str) -> str:
    options = "".join(f"<option value='{esc(v)}'{' selected' if v == picked else ''}>{esc(n)}"
                      "</option>" for v, n in [("", f"全部{label}"), *choices.items()])
    return f"<select name='{name}' aria-label='{esc(label)}'>{options}</select>"


def _diseases(who: Viewer) -> dict[str, str]:
    return {code: f"{code} {name}" for code, name in disease_choices(who.principal).items()}


def _lookup(who: Viewer, psn_no: str) -> str:
    return section("查询参保人的认定", (
        "<form method='post' action='/console/opsp' class='filters'>"
        + hidden_fields(who.csrf, action="lookup")
        + f"<input name='psn_no' value='{esc(psn_no)}' placeholder='身份证号（人员编号）' "
        f"maxlength='{PSN_NO_MAX}' aria-label='身份证号' required> "
        "<button type='submit'>查询</button></form>"))


def _revoke_column(who: Viewer, psn_no: str) -> Column:
    def button(row: Row) -> str:
        if who.role not in WRITERS or row["state"] != CertState.CERTIFIED.value:
            return ""
        return ("<form method='post' action='/console/opsp' class='inline'>"
                + hidden_fields(who.csrf, action="revoke", psn_no=psn_no,
                                cert_id=row["cert_id"])
                + "<button type='submit'>撤销</button></form>")
    return Column("操作", lambda r: "", html=button)


NONE_FOUND: Final = "没有匹配的门诊慢特病认定（或不在您的管辖范围内）。"


def _table(items: list[Certified], extra: tuple[Column, ...] = (), empty: str = NONE_FOUND
           ) -> str:
    if not items:
        return f"<p class='note'>{esc(empty)}</p>"
    return html_table((*COLUMNS, *extra), [c.to_json() for c in items])


def _form(who: Viewer, psn_no: str, fields: dict[str, str]) -> str:
    if who.role not in WRITERS:
        return "<p class='note'>只有经办人员和管理员可以办理或撤销门诊慢特病认定。</p>"
    options = "".join(
        f"<option value='{esc(code)}'{' selected' if code == fields.get('disease') else ''}>"
        f"{esc(name)}</option>" for code, name in _diseases(who).items())

    def box(name: str, label: str, size: int, hint: str) -> str:
        return (f"<label>{label} <input name='{name}' maxlength='{size}' required "
                f"value='{esc(fields.get(name, ''))}' placeholder='{esc(hint)}'></label>")

    return (
        "<form method='post' action='/console/opsp' class='actions'><div>"
        + hidden_fields(who.csrf, psn_no=psn_no)
        + f"<label>病种 <select name='disease'>{options}</select></label>"
        + box("icd10", "诊断 ICD-10 编码", 20, "如 I10、E11.900")
        + box("institution", "认定机构编码", 32, "定点医药机构编码")
        + box("doctor", "认定医师", 64, "医师姓名")
        + "<label>认定生效日期 <input name='valid_from' type='date' "
        f"value='{esc(fields.get('valid_from') or beijing_today().isoformat())}'></label>"
        f"<label>未通过原因（仅记录未通过时填写） <textarea name='reason' rows='2' "
        f"maxlength='{NOTE_MAX}'>{esc(fields.get('reason', ''))}</textarea></label>"
        "<button type='submit' name='action' value='certify'>认定</button> "
        "<button type='submit' name='action' value='refuse'>记录未通过</button></div></form>")


def _person_export(who: Viewer, psn_no: str) -> str:
    return ("<form method='post' action='/console/opsp/export.xlsx' class='inline'>"
            + hidden_fields(who.csrf, psn_no=psn_no)
            + "<button type='submit'>导出 Excel</button></form>")


def _person_page(who: Viewer, psn_no: str, found: CertPage | CertRefused, *,
                 message: str = "", error: str = "", fields: dict[str, str] | None = None,
                 status: int = 200) -> HTMLResponse:
    body = flash(message, error) + _lookup(who, psn_no)
    if isinstance(found, CertRefused):
        body += section("门诊慢特病认定", f"<p class='error'>{esc(found.message)}</p>")
    else:
        listing = _table(found.items, (_revoke_column(who, psn_no),),
                         "该参保人没有门诊慢特病认定（或不在您的管辖范围内）。")
        if found.items:
            listing += f"<p>{_person_export(who, psn_no)}</p>"
        body += section(f"参保人 {psn_no} 的门诊慢特病认定", listing)
        body += section("办理门诊慢特病认定", _form(who, psn_no, fields or {}))
    return HTMLResponse(page(TITLE, body, who, who.csrf), status_code=status)


def _filters(who: Viewer, action: str, picked: CertFilter, *, days: bool) -> str:
    states = {s.value: STATE_NAMES[s] for s in CertState}
    chosen = "" if picked.state is None else picked.state.value
    extra = (_select("state", "状态", states, chosen) if not days else
             f"<label>到期天数 <input name='days' value='{picked.expiring}' size='5' "
             f"inputmode='numeric' aria-label='到期天数'></label>")
    return ("<section><form method='get' action='" + action + "' class='filters'>"
            + _select("disease", "病种", _diseases(who), picked.disease or "") + " " + extra
            + " <button type='submit'>查询</button></form></section>")


def _params(picked: CertFilter) -> dict[str, str]:
    pairs = {"disease": picked.disease, "state": None if picked.state is None
             else picked.state.value, "days": picked.expiring}
    return {k: str(v) for k, v in pairs.items() if v is not None}


def _refused(who: Viewer, title: str, refused: CertRefused) -> HTMLResponse:
    body = section(title, f"<p class='error'>{esc(refused.message)}</p>")
    return HTMLResponse(page(title, body, who, who.csrf),
                        status_code=STATUS.get(refused.reason, 422))


def _list_page(who: Viewer, store: Any, title: str, base: str, picked: CertFilter | CertRefused,
               number: int, intro: str) -> HTMLResponse:
    if isinstance(picked, CertRefused):
        return _refused(who, title, picked)
    found = find_certifications(picked, limit=PAGE_ROWS, offset=(number - 1) * PAGE_ROWS,
                                who=who.principal, store=store)
    if isinstance(found, CertRefused):
        return _refused(who, title, found)
    params = _params(picked)
    pages = max(1, -(-found.total // PAGE_ROWS))
    xlsx = link(f"{base}.xlsx?{urlencode(params)}", "导出 Excel（按当前筛选）")
    listing = (pager(base, params, min(number, pages), pages, found.total)
               + _table(found.items) + f"<p>{xlsx}</p>")
    body = (intro + _filters(who, base, picked, days=picked.expiring is not None)
            + section(f"查询结果（{found.total:,} 条）", listing))
    return HTMLResponse(page(title, body, who, who.csrf))


def _links(who: Viewer) -> str:
    return ("<p>" + link("/console/opsp", "全部认定") + " · "
            + link(f"/console/opsp/expiring?days={DAYS_DEFAULT}", "复审到期（30 天内）")
            + "</p>" + _lookup(who, ""))


@router.get("/opsp")
def opsp_page(who: ViewerDep, store: StoreDep, disease: Code = "", state: Code = "",
              page_no: Annotated[int, Query(alias="page", ge=1, le=10**6)] = 1
              ) -> HTMLResponse:
    picked = parse_filter(disease=disease, state=state)
    return _list_page(who, store, TITLE, "/console/opsp", picked, page_no, _links(who))


@router.get("/opsp/expiring")
def expiring_page(who: ViewerDep, store: StoreDep, disease: Code = "",
                  days: Annotated[int, Query(ge=0, le=EXPIRING_MAX_DAYS)] = DAYS_DEFAULT,
                  page_no: Annotated[int, Query(alias="page", ge=1, le=10**6)] = 1
                  ) -> HTMLResponse:
    picked = parse_filter(disease=disease, expiring=days)
    intro = (f"<p class='note'>有效期最后一天在今天（北京时间 {beijing_today().isoformat()}）至 "
             f"{days} 天内的有效认定，最早到期在前：请提醒参保人复审。</p>" + _links(who))
    return _list_page(who, store, EXPIRING_TITLE, "/console/opsp/expiring", picked, page_no,
                      intro)


def _xlsx(who: Viewer, found: CertPage | CertRefused, title: str) -> Any:
    if isinstance(found, CertRefused):
        return _refused(who, title, found)
    message = export.too_large(found.total)
    if message is not None:
        body = section("导出", f"<p class='error'>{esc(message)}</p>")
        return HTMLResponse(page("无法导出", body, who, who.csrf), status_code=400)
    return export.xlsx_response(f"{title}.xlsx", [export.Sheet(
        title, COLUMNS, (c.to_json() for c in found.items))])


@router.get("/opsp.xlsx")
def export_list(who: ViewerDep, store: StoreDep, disease: Code = "", state: Code = "") -> Any:
    picked = parse_filter(disease=disease, state=state)
    if isinstance(picked, CertRefused):
        return _refused(who, TITLE, picked)
    return _xlsx(who, export_certifications(picked, who=who.principal, store=store), TITLE)


@router.get("/opsp/expiring.xlsx")
def export_expiring(who: ViewerDep, store: StoreDep, disease: Code = "",
                    days: Annotated[int, Query(ge=0, le=EXPIRING_MAX_DAYS)] = DAYS_DEFAULT
                    ) -> Any:
    picked = parse_filter(disease=disease, expiring=days)
    if isinstance(picked, CertRefused):
        return _refused(who, EXPIRING_TITLE, picked)
    found = export_certifications(picked, who=who.principal, store=store)
    return _xlsx(who, found, EXPIRING_TITLE)


@router.post("/opsp/export.xlsx")
def export_person(who: ViewerDep, fields: FormDep, store: StoreDep) -> Any:
    """A person's certifications as `.xlsx` (the ID number comes in the POST body)."""
    check_csrf(who, fields)
    picked = parse_filter(psn_no=fields.get("psn_no", "")[:PSN_NO_MAX + 1])
    if isinstance(picked, CertRefused):
        return _refused(who, TITLE, picked)
    return _xlsx(who, export_certifications(picked, who=who.principal, store=store), TITLE)


def _act(who: Viewer, psn_no: str, fields: dict[str, str], store: Any
         ) -> tuple[Certified | CertRefused | None, str]:
    """Run the form's action; what it did (or why not) and the verb that says so."""
    actor = f"console:{who.username}"
    action = fields.get("action", "lookup")
    if action == "revoke":
        return revoke(fields.get("cert_id", "")[:32], actor=actor, who=who.principal,
                      store=store), "已撤销认定"
    if action not in ("certify", "refuse"):
        return (None if action == "lookup" else CertRefused(CertProblem.INVALID, "未知的操作")), ""
    new = parse_new_certification(fields.get("disease", "")[:21], fields.get("icd10", "")[:21],
                                  fields.get("institution", "")[:33],
                                  fields.get("doctor", "")[:65], fields.get("valid_from", "")[:10])
    if isinstance(new, CertRefused):
        return new, ""
    if action == "refuse":
        return refuse(psn_no, new, fields.get("reason", "")[:NOTE_MAX + 1], actor=actor,
                      who=who.principal, store=store), "已记录未通过的认定申请"
    return certify(psn_no, new, actor=actor, who=who.principal, store=store), "已认定"


def _said(verb: str, done: Certified) -> str:
    c = done.cert
    held = (f"，有效期 {c.valid_from} 至 {c.valid_until}" if c.valid_from is not None
            and c.revoked_on is None else "")
    return f"{verb} {c.cert_id}：{c.disease} {done.disease_name}，诊断 {c.icd10}{held}"


@router.post("/opsp")
def opsp_action(who: ViewerDep, fields: FormDep, store: StoreDep) -> HTMLResponse:
    check_csrf(who, fields)
    psn_no = fields.get("psn_no", "").strip()[:PSN_NO_MAX + 1]
    if not psn_no:
        return _person_page(who, "", CertRefused(CertProblem.INVALID, "请填写身份证号（人员编号）"),
                            status=422)
    done, verb = _act(who, psn_no, fields, store)
    message, error, status, kept = "", "", 200, None
    if isinstance(done, CertRefused):
        error, status, kept = done.message, STATUS.get(done.reason, 422), fields
    elif done is not None:
        message = _said(verb, done)
    picked = parse_filter(psn_no=psn_no)
    found = picked if isinstance(picked, CertRefused) else find_certifications(
        picked, limit=PAGE_ROWS * 4, who=who.principal, store=store)
    if isinstance(found, CertRefused) and status == 200:
        status = STATUS.get(found.reason, 422)
    return _person_page(who, psn_no, found, message=message, error=error, fields=kept,
                        status=status)
