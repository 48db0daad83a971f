"""Escaped HTML for the console: the page frame with its inline CSS, tables, money and links."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape
from typing import Any, Final
from urllib.parse import quote, urlencode

STYLE: Final = """
*{box-sizing:border-box}
body{font-family:"Noto Sans CJK SC","Microsoft YaHei","PingFang SC",sans-serif;margin:0;
color:#222;background:#f4f6f9;font-size:15px}
header{background:#1f4e79;color:#fff;padding:10px 20px;display:flex;flex-wrap:wrap;
align-items:center;gap:8px 20px}
header b{font-size:18px}header nav{display:flex;flex-wrap:wrap;gap:4px 14px;flex:1}
header a{color:#fff;text-decoration:none}header a:hover{text-decoration:underline}
header .who{font-size:13px;opacity:.9}header form{margin:0}
main{max-width:1180px;margin:0 auto;padding:12px 16px}
section{background:#fff;border-radius:8px;padding:14px 16px;margin:14px 0;
box-shadow:0 1px 3px rgba(0,0,0,.08);overflow-x:auto}
h1{font-size:21px;margin:8px 0}h2{font-size:17px;margin:0 0 10px}
table{border-collapse:collapse;width:100%}
th,td{padding:6px 8px;border-bottom:1px solid #e6e8eb;text-align:left;vertical-align:top}
th{background:#f7f8fa;font-weight:600;white-space:nowrap}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.notice{background:#fff4e5;color:#7a4100;padding:10px 14px;border-radius:6px;margin:0 0 10px}
.met{color:#1b7f3b}.unmet{color:#b3261e}.note{color:#666;font-size:13px}
.warn{color:#8a5300}td b.warn,td b.unmet{white-space:nowrap}
.chart{width:100%;height:auto;max-width:760px}
.kv{display:grid;grid-template-columns:repeat(auto-fill,minmax(220px,1fr));gap:6px 18px}
.kv div span{color:#666;margin-right:6px}
.buckets{display:flex;height:22px;border-radius:4px;overflow:hidden;margin:8px 0}
.buckets i{display:block;height:100%}
.legend span{display:inline-block;margin-right:14px;font-size:13px}
.legend i{display:inline-block;width:10px;height:10px;margin-right:4px}
.state{padding:2px 8px;border-radius:10px;background:#eef2f7;font-size:13px;white-space:nowrap}
.state.confirmed{background:#fde8e6;color:#8c1d18}.state.dismissed{background:#e7f4ea}
.error{background:#fde8e6;color:#8c1d18;padding:10px 14px;border-radius:6px}
.ok{background:#e7f4ea;color:#1b5e20;padding:10px 14px;border-radius:6px}
form.inline{display:inline}
input,textarea,select,button{font:inherit;padding:6px 8px;border:1px solid #c4c9d0;
border-radius:4px}
button{background:#1f4e79;color:#fff;border-color:#1f4e79;cursor:pointer}
button.plain{background:transparent;border-color:#fff;color:#fff}
.actions{display:grid;grid-template-columns:repeat(auto-fill,minmax(260px,1fr));gap:12px}
.actions form{border:1px solid #e6e8eb;border-radius:6px;padding:10px;display:grid;gap:6px}
.pager{display:flex;flex-wrap:wrap;gap:4px 6px;align-items:center;margin:10px 0}
.pager a,.pager b{padding:3px 9px;border:1px solid #c4c9d0;border-radius:4px;
text-decoration:none}.pager b{background:#1f4e79;color:#fff;border-color:#1f4e79}
.pager span{color:#666;font-size:13px;margin-left:8px}
form.filters{display:flex;flex-wrap:wrap;gap:6px;align-items:center}
.login{max-width:360px;margin:60px auto}.login form{display:grid;gap:10px}
@media (max-width:760px){body{font-size:14px}th,td{padding:4px 5px}main{padding:8px}
header{padding:8px 10px}}
"""

NAV: Final = (("/console/", "运行概览"), ("/console/persons", "参保人查询"),
              ("/console/cases", "稽核工作队列"), ("/console/offsite", "异地就医备案"),
              ("/console/offsite/flows", "异地就医流向"),
              ("/console/offsite/clearing", "异地就医清算"), ("/console/family", "家庭共济"),
              ("/console/opsp", "门诊慢特病"),
              ("/console/assist", "医疗救助申请"),
              ("/console/drg", "DRG 分析"),
              ("/console/fund/projection", "基金精算"))


def esc(value: object) -> str:
    return escape("" if value is None else str(value))


def link(href: str, text: object) -> str:
    return f"<a href='{escape(href)}'>{esc(text)}</a>"


def path(*parts: str) -> str:
    return "/".join(quote(p, safe="") if i else p for i, p in enumerate(parts))


def table(headers: Sequence[str], rows: Iterable[Sequence[str]], numeric: Sequence[int] = ()
          ) -> str:
    """A table of pre-escaped cells; columns in `numeric` are right-aligned."""
    def cls(i: int) -> str:
        return " class='num'" if i in numeric else ""

    head = "".join(f"<th{cls(i)}>{h}</th>" for i, h in enumerate(headers))
    body = "".join("<tr>" + "".join(f"<td{cls(i)}>{c}</td>" for i, c in enumerate(row))
                   + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def pager(base: str, params: dict[str, str], page: int, pages: int, total: int) -> str:
    """Page links (首页, 上一页, nearby numbers, 下一页, 末页) keeping the other parameters,
    with the total and where this page is."""
    def href(n: int) -> str:
        return f"{base}?{urlencode({**params, 'page': str(n)})}"

    def to(n: int, text: str) -> str:
        return f"<b>{esc(text)}</b>" if n == page else link(href(n), text)

    near = range(max(1, page - 3), min(pages, page + 3) + 1)
    links = ([to(1, "首页"), to(page - 1, "上一页")] if page > 1 else []) + [
        to(n, str(n)) for n in near] + (
        [to(page + 1, "下一页"), to(pages, "末页")] if page < pages else [])
    return (f"<nav class='pager' aria-label='分页'>{''.join(links)}"
            f"<span>共 {total:,} 条，第 {page:,} / {pages:,} 页</span></nav>")


def kv(pairs: Iterable[tuple[str, object]]) -> str:
    return "<div class='kv'>" + "".join(
        f"<div><span>{esc(k)}</span>{esc(v)}</div>" for k, v in pairs) + "</div>"


def section(title: str, body: str) -> str:
    return f"<section><h2>{esc(title)}</h2>{body}</section>"


def header(who: Any, csrf: str) -> str:
    if who is None:
        return "<header><b>医保平台控制台</b></header>"
    nav = "".join(link(href, text) for href, text in NAV)
    return (f"<header><b>医保平台控制台</b><nav>{nav}</nav>"
            f"<span class='who'>{link('/console/account', who.username)}（{esc(who.role_name)}，"
            f"{esc(who.region)}）</span>"
            f"<form method='post' action='/console/logout'>"
            f"<input type='hidden' name='csrf' value='{esc(csrf)}'>"
            "<button class='plain' type='submit'>退出</button></form></header>")


def page(title: str, body: str, who: Any = None, csrf: str = "") -> str:
    return ("<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width,initial-scale=1'>"
            f"<title>{esc(title)} · 医保平台</title><style>{STYLE}</style></head><body>"
            f"{header(who, csrf)}<main><h1>{esc(title)}</h1>{body}</main></body></html>")


def flash(message: str, error: str) -> str:
    """A page's answer to a form: what was done (green) and what was refused (red)."""
    return (f"<p class='ok'>{esc(message)}</p>" if message else "") + (
        f"<p class='error'>{esc(error)}</p>" if error else "")


def hidden_fields(csrf: str, **values: str) -> str:
    """A form's hidden inputs: the session's CSRF token and `values`."""
    fields = {"csrf": csrf, **values}
    return "".join(f"<input type='hidden' name='{esc(k)}' value='{esc(v)}'>"
                   for k, v in fields.items())
