"""The failures a person can fix, as one zh-CN sentence for the faces.

A missing or broken DRG rule pack or city table already carries a zh-CN message naming what to
fix. `user_message` gives that sentence, or None for anything else (a programmer error, which
keeps its traceback).
"""

from __future__ import annotations

from yibao.payment.cities import CityTableError
from yibao.payment.drg.scheme import DrgPackError

#: Errors whose message is already the sentence to show.
USER_ERRORS = (CityTableError,)


def user_message(error: BaseException) -> str | None:
    """The sentence that tells what went wrong and what to do, or None."""
    if isinstance(error, DrgPackError):
        if error.line:
            return f"DRG 规则包文件 {error.file} 第 {error.line} 行有误：{error.message}"
        return f"DRG 规则包不可用（{error.file}）：{error.message}"
    if isinstance(error, USER_ERRORS):
        return str(error)
    return None
