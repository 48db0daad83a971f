"""The failures a person can fix, as one zh-CN sentence for the faces.

A missing or broken policy file, DRG rule pack or city table, a file that cannot be imported, a
database that is unsupported or cannot be reached: each already carries a zh-CN message naming
what to fix. `user_message` gives that sentence, or None for anything else (a programmer error,
which keeps its traceback).
"""

from __future__ import annotations

from yibao.fund.thresholds import ThresholdsError
from yibao.payment.cities import CityTableError
from yibao.payment.drg.scheme import DrgPackError
from yibao.policy.loader import PolicyError
from yibao.services.calculate import policy_problem
from yibao.services.database import DatabaseUnavailable, unavailable
from yibao.services.enroll import ImportFileError
from yibao.services.fund import FundAnalysisError

#: Errors whose message is already the sentence to show.
USER_ERRORS = (PolicyError, DrgPackError, CityTableError, ImportFileError, DatabaseUnavailable,
               FundAnalysisError)


def user_message(error: BaseException) -> str | None:
    """The sentence that tells what went wrong and what to do, or None."""
    if isinstance(error, ThresholdsError):
        where = f"{error.file}:{error.line}" if error.line else error.file
        key = f"（键 {error.key}）" if error.key else ""
        return f"预警阈值文件 {where} 不可用：{error.message}{key}"
    if isinstance(error, PolicyError):
        return policy_problem(error)
    if isinstance(error, DrgPackError):
        if error.line:
            return f"DRG 规则包文件 {error.file} 第 {error.line} 行有误：{error.message}"
        return f"DRG 规则包不可用（{error.file}）：{error.message}"
    if isinstance(error, USER_ERRORS):
        return str(error)
    database = unavailable(error)
    return None if database is None else str(database)
