"""The failures a person can fix, as one zh-CN sentence for the faces.

A missing or broken policy file, DRG rule pack or city table, a file that cannot be imported, a
database that is unsupported or cannot be reached: each already carries a zh-CN message naming
what to fix. `user_message` gives that sentence, or None for anything else (a programmer error,
which keeps its traceback).

A write that lost every attempt to concurrent ones (`lost_to_concurrent`) changed nothing; the
faces answer it as a refusal to try again (`CONCURRENT_MESSAGE`): the national interface in its
envelope, the API with 409, the CLI with exit status 2.
"""

from __future__ import annotations

from yibao.fund.thresholds import ThresholdsError
from yibao.payment.cities import CityTableError
from yibao.payment.drg.scheme import DrgPackError
from yibao.policy.loader import PolicyError
from yibao.services.actuary import ActuaryInputError
from yibao.services.calculate import policy_problem
from yibao.services.database import DatabaseUnavailable, unavailable
from yibao.services.enroll import ImportFileError
from yibao.services.fund import FundAnalysisError
from yibao.store import Conflict

#: Errors whose message is already the sentence to show.
USER_ERRORS = (ActuaryInputError, PolicyError, DrgPackError, CityTableError, ImportFileError,
               DatabaseUnavailable, FundAnalysisError)


#: What a person is told when their write lost to concurrent ones every time it was tried.
CONCURRENT_MESSAGE = "请求与同时进行的其他请求冲突，未做任何更改，请稍后重试"


def lost_to_concurrent(error: BaseException) -> bool:
    """Whether `error` says a write kept losing races with concurrent writes and was given up
    (nothing of it was written): the request may simply be sent again."""
    return isinstance(error, Conflict)


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
    if lost_to_concurrent(error):
        return CONCURRENT_MESSAGE
    database = unavailable(error)
    return None if database is None else str(database)
