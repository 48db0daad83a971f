"""Click's own words in Chinese for bureau staff: usage errors (缺少选项, 没有该命令, 取值无效),
the `--help` headings (用法, 选项, 命令, 参数) and the help option's text.

Typer 0.29 ships its own copy of Click whose messages are English f-strings, not gettext
calls, so no message catalogue reaches them: `install()` wraps the `format_message` of each
Click exception class with `translate`, which rewrites the known English shapes by the table
`MESSAGES` (a message it does not know is left as it is), and sets Typer's headings. The
yibao command installs it once, before any command runs; tests/cli pins the result.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, Final

_KIND: Final = r"(?i:(file|directory|path))"
#: (English shape, zh-CN template) in the order tried; the first full match wins. Groups are
#: kept; `{value}` parts are translated again (the reason inside "Invalid value for …").
MESSAGES: Final[tuple[tuple[re.Pattern[str], str], ...]] = tuple(
    (re.compile(pattern, re.DOTALL), template) for pattern, template in (
        (r"Missing option (.+?)\.(?: (.*))?", r"缺少选项 \1。\2"),
        (r"Missing argument (.+?)\.(?: (.*))?", r"缺少参数 \1。\2"),
        (r"Missing parameter:? ?(.*?)\.?", r"缺少参数 \1。"),
        (r"Missing command\.", "缺少子命令。"),
        (r"No such command (.+?)\.", r"没有命令 \1。"),
        (r"No such option: (\S+?)(?: Did you mean (.+?)\?)?(?: \(Possible options: (.+)\))?",
         r"没有选项 \1。{did_you_mean}"),
        (r"Option (.+?) requires an argument\.", r"选项 \1 需要一个值。"),
        (r"Option (.+?) requires (\d+) arguments\.", r"选项 \1 需要 \2 个值。"),
        (r"Option (.+?) does not take a value\.", r"选项 \1 不接受值。"),
        (r"Got unexpected extra argument\(?s?\)? \((.+)\)", r"多余的参数（\1）。"),
        (r"Invalid value for (.+?): (.+)", r"\1 的取值无效：{value}"),
        (r"Invalid value: (.+)", r"取值无效：{value}"),
        (_KIND + r" (.+?) does not exist\.", r"{kind} \2 不存在。"),
        (_KIND + r" (.+?) is a directory\.",
         r"{kind} \2 是目录，应为文件。"),
        (_KIND + r" (.+?) is a file\.", r"{kind} \2 是文件，应为目录。"),
        (_KIND + r" (.+?) is not readable\.", r"{kind} \2 不可读。"),
        (_KIND + r" (.+?) is not writable\.", r"{kind} \2 不可写。"),
        (r"Could not open file (.+?): (.+)", r"无法打开文件 \1：\2"),
        (r"Input should be greater than or equal to (.+)", r"应不小于 \1"),
        (r"Input should be less than or equal to (.+)", r"应不大于 \1"),
        (r"Input should be greater than (.+)", r"应大于 \1"),
        (r"Input should be less than (.+)", r"应小于 \1"),
        (r"Input should be a valid integer.*", "应为整数"),
        (r"Input should be a valid number.*", "应为数字"),
        (r"Input should be a valid boolean.*", "应为 true/false、yes/no、1/0"),
        (r"Input should be (.+)", r"应为 \1"),
        (r"Value (.+?) is not a valid (.+?)\.", r"\1 不是有效的 \2。"),
        (r"(.+?) is not one of (.+?)\.", r"\1 不在可选值 \2 之中。"),
        (r"(.+?) is not (.+?)\.", r"\1 不是 \2。"),
        (r"(.+?) is not in the range (.+?)\.", r"\1 不在范围 \2 内。"),
    ))
KINDS: Final = {"file": "文件", "directory": "目录", "path": "路径"}
HEADINGS: Final = {
    "ARGUMENTS_PANEL_TITLE": "参数", "OPTIONS_PANEL_TITLE": "选项", "COMMANDS_PANEL_TITLE": "命令",
    "ERRORS_PANEL_TITLE": "错误", "ABORTED_TEXT": "已中止。", "DEFAULT_STRING": "[默认：{}]",
    "ENVVAR_STRING": "[环境变量：{}]", "REQUIRED_LONG_STRING": "[必填]",
    "DEPRECATED_STRING": "（已停用）",
    "RICH_HELP": "运行 [blue]'{command_path} {help_option}'[/] 查看帮助。"}
USAGE: Final = "用法："
HELP_TEXT: Final = "显示此帮助并退出。"
DEPTH_MAX: Final = 3


def translate(message: str, depth: int = 0) -> str:
    """The zh-CN form of one of Click's messages; an unknown message as it is."""
    if depth > DEPTH_MAX:
        return message
    for pattern, template in MESSAGES:
        found = pattern.fullmatch(message.strip())
        if found is None:
            continue
        text = found.expand(template)
        groups = found.groups()
        if "{value}" in text:
            text = text.replace("{value}", translate(groups[-1], depth + 1))
        if "{kind}" in text:
            text = text.replace("{kind}", KINDS[groups[0].lower()])
        if "{did_you_mean}" in text:
            hint = groups[1] or groups[2]
            text = text.replace("{did_you_mean}", f"您是否要用 {hint}？" if hint else "")
        return text.strip()
    return message


def _translated(method: Callable[[Any], str]) -> Callable[[Any], str]:
    def format_message(self: Any) -> str:
        return translate(method(self))

    format_message.__wrapped__ = method  # type: ignore[attr-defined]
    return format_message


def install() -> None:
    """Put the Chinese words in place (idempotent)."""
    from typer import rich_utils
    from typer._click import core, exceptions, formatting

    for name, text in HEADINGS.items():
        setattr(rich_utils, name, text)
    for item in vars(exceptions).values():
        if (isinstance(item, type) and "format_message" in vars(item)
                and not hasattr(item.format_message, "__wrapped__")):
            item.format_message = _translated(item.format_message)
    write_usage = formatting.HelpFormatter.write_usage
    if not hasattr(write_usage, "__wrapped__"):
        def usage(self: Any, prog: str, args: str = "", prefix: str | None = None) -> None:
            write_usage(self, prog, args, USAGE if prefix is None else prefix)

        usage.__wrapped__ = write_usage  # type: ignore[attr-defined]
        formatting.HelpFormatter.write_usage = usage  # type: ignore[method-assign]
    help_option = core.Command.get_help_option
    if not hasattr(help_option, "__wrapped__"):
        def zh_help_option(self: Any, ctx: Any) -> Any:
            option = help_option(self, ctx)
            if option is not None:
                option.help = HELP_TEXT
            return option

        zh_help_option.__wrapped__ = help_option  # type: ignore[attr-defined]
        core.Command.get_help_option = zh_help_option  # type: ignore[method-assign]
