"""DRG grouping (CHS-DRG 分组): one generic engine over a rule pack loaded as data.

`load_rule_pack` reads a pack (MDC and ADRG lists, CC/MCC tables) with its scheme file
(`schemes/<id>.toml`: the rules the pack states only in prose), compiles and caches it.
`group_case` groups one case with a full trace and is the definition; `group_batch` groups a
frame of cases in columns and equals it. See docs/drg.md.
"""

from yibao.payment.drg.batch import group_batch
from yibao.payment.drg.grouper import group_case
from yibao.payment.drg.layout import DrgInputError, cases_from_frame, to_settlement
from yibao.payment.drg.loader import RulePack, default_cache_dir, load_rule_pack
from yibao.payment.drg.model import UNGROUPABLE_DRG, Case, GroupResult, Reason, Status
from yibao.payment.drg.scheme import DrgPackError

__all__ = [
    "UNGROUPABLE_DRG",
    "Case",
    "DrgInputError",
    "DrgPackError",
    "GroupResult",
    "Reason",
    "RulePack",
    "Status",
    "cases_from_frame",
    "default_cache_dir",
    "group_batch",
    "group_case",
    "load_rule_pack",
    "to_settlement",
]
