"""The DRG data yibao ships, and the one place that chooses a rule pack or city tables.

The CHS-DRG 1.1 rule pack and 27 cities' payment tables ship inside the package (`data/`, with
their licence and `SOURCES.md`), so a clone or a wheel needs nothing beside it. Another folder is
named by the caller's option, else by the environment (`YIBAO_DRG_RULES`, `YIBAO_DRG_PAYMENT`),
else the shipped one is used. A folder that cannot be used is refused with one zh-CN sentence
that says which folder, where the choice came from and what to do.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Final

from yibao.payment.cities import CityTableError
from yibao.payment.drg.scheme import DrgPackError

DATA_DIR: Final = Path(__file__).parent / "data"
SHIPPED_RULES: Final = DATA_DIR / "chs-drg-1.1"
SHIPPED_CITIES: Final = DATA_DIR / "cities"
ENV_RULES: Final = "YIBAO_DRG_RULES"
ENV_PAYMENT: Final = "YIBAO_DRG_PAYMENT"
#: The file every rule pack has (the ADRGs in trial order); its absence means "not a pack".
RULES_MARKER: Final = "2_ADRG.txt"


def _choose(option: Path | None, environ: Mapping[str, str], env: str, flag: str,
            shipped: Path) -> tuple[Path, str | None]:
    """The folder and where it came from (None: the shipped default)."""
    if option is not None:
        return option, f"选项 {flag}"
    if environ.get(env):
        return Path(environ[env]), f"环境变量 {env}"
    return shipped, None


def rules_dir(option: Path | None, environ: Mapping[str, str]) -> Path:
    """The DRG rule-pack folder: `option`, else `$YIBAO_DRG_RULES`, else the shipped pack."""
    path, source = _choose(option, environ, ENV_RULES, "--rules", SHIPPED_RULES)
    if source is None and not (path / RULES_MARKER).is_file():
        raise DrgPackError(str(path), None, "yibao 安装不完整，缺少随附的 CHS-DRG 1.1 规则包："
                           f"请重新安装 yibao，或用 --rules / {ENV_RULES} 指定规则包目录")
    if not path.is_dir():
        raise DrgPackError(str(path), None, f"{source} 所指的目录不存在")
    if not (path / RULES_MARKER).is_file():
        raise DrgPackError(str(path), None, f"{source} 所指的目录不是 DRG 规则包"
                           f"（缺少 {RULES_MARKER}）")
    return path


def payment_dir(option: Path | None, environ: Mapping[str, str]) -> Path:
    """The city-table folder: `option`, else `$YIBAO_DRG_PAYMENT`, else the shipped tables."""
    path, source = _choose(option, environ, ENV_PAYMENT, "--payment-dir", SHIPPED_CITIES)
    if source is None and not path.is_dir():
        raise CityTableError(f"yibao 安装不完整，缺少随附的城市参数表 {path}：请重新安装 yibao，"
                             f"或用 --payment-dir / {ENV_PAYMENT} 指定城市参数表目录")
    if not path.is_dir():
        raise CityTableError(f"{source} 所指的城市参数表目录 {path} 不存在")
    return path
