"""Load a rule pack once: read, check and compile it, and cache the result on disk.

The cache file is keyed by a hash of every pack file, the scheme file and the loader's own source,
so an edited table or a new version of yibao never reads a stale cache. The cache directory is
passed in (`default_cache_dir` derives the usual one from an environment mapping).
"""

from __future__ import annotations

import hashlib
import os
import pickle
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Final

from yibao.payment.drg import compiled as compiled_module
from yibao.payment.drg import model as model_module
from yibao.payment.drg import pack as pack_module
from yibao.payment.drg import scheme as scheme_module
from yibao.payment.drg.compiled import Compiled, compile_pack
from yibao.payment.drg.model import Pack
from yibao.payment.drg.pack import read_pack
from yibao.payment.drg.scheme import SCHEMES_DIR, DrgPackError, read_scheme

CACHE_FORMAT: Final = "drg-pack-1"
_SOURCES: Final = (model_module, scheme_module, pack_module, compiled_module)


@dataclass(frozen=True, slots=True)
class RulePack:
    """A loaded scheme: the `pack` (scalar grouper) and its `compiled` arrays (column grouper)."""

    pack: Pack
    compiled: Compiled
    digest: str
    rules_dir: str
    scheme_file: str
    from_cache: bool = False


def default_cache_dir(environ: Mapping[str, str]) -> Path:
    """`$XDG_CACHE_HOME/yibao/drg`, else `~/.cache/yibao/drg`."""
    base = environ.get("XDG_CACHE_HOME") or str(Path(environ.get("HOME", "~")) / ".cache")
    return Path(base).expanduser() / "yibao" / "drg"


def scheme_file_for(rules_dir: Path) -> Path:
    """The shipped scheme file named like the pack directory (`chs-drg-1.1` → its toml)."""
    return SCHEMES_DIR / f"{rules_dir.resolve().name}.toml"


def pack_files(rules_dir: Path) -> list[Path]:
    """The files of a pack that grouping reads, in a fixed order."""
    names = [rules_dir / n for n in ("1_MDC.txt", "2_ADRG.txt", "3_DRG.txt")]
    for folder in ("MDC", "ADRG", "tables"):
        names.extend(sorted((rules_dir / folder).glob("*.dat")))
    return names


def pack_digest(rules_dir: Path, scheme_file: Path) -> str:
    digest = hashlib.blake2b(CACHE_FORMAT.encode(), digest_size=16)
    sources = [Path(str(m.__file__)) for m in _SOURCES]
    for path in [*pack_files(rules_dir), scheme_file, *sources]:
        digest.update(path.name.encode() + b"\0")
        try:
            digest.update(path.read_bytes() + b"\0")
        except OSError as err:
            raise DrgPackError(str(path), None, f"无法读取：{err.strerror}") from None
    return digest.hexdigest()


def load_rule_pack(
    rules_dir: Path, *, scheme_file: Path | None = None, cache_dir: Path | None = None
) -> RulePack:
    """Load the pack in `rules_dir`, from `cache_dir` when a cache of the same files is there."""
    rules_dir = rules_dir.resolve()
    if not (rules_dir / "2_ADRG.txt").is_file():
        raise DrgPackError(str(rules_dir), None, "不是规则包目录（不存在或缺少 2_ADRG.txt）")
    scheme_file = scheme_file or scheme_file_for(rules_dir)
    if not scheme_file.is_file():
        raise DrgPackError(
            str(scheme_file), None, "找不到该规则包对应的方案文件（可用 --scheme 指定）"
        )
    digest = pack_digest(rules_dir, scheme_file)
    name = f"pack-{scheme_file.stem}-{digest}.pickle"
    cached = _read_cache(cache_dir, name, digest)
    if cached is not None:
        return replace(cached, rules_dir=str(rules_dir), from_cache=True)
    scheme = read_scheme(scheme_file)
    pack = read_pack(rules_dir, scheme)
    loaded = RulePack(pack, compile_pack(pack), digest, str(rules_dir), str(scheme_file))
    if cache_dir is not None:
        _write_cache(cache_dir, name, loaded)
    return loaded


def _read_cache(cache_dir: Path | None, name: str, digest: str) -> RulePack | None:
    if cache_dir is None:
        return None
    path = cache_dir / name
    try:
        with path.open("rb") as handle:
            loaded = pickle.load(handle)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, TypeError):
        return None
    return loaded if isinstance(loaded, RulePack) and loaded.digest == digest else None


def _write_cache(cache_dir: Path, name: str, loaded: RulePack) -> None:
    """Write atomically (temporary file, then rename) and drop older caches of the same scheme
    file; a cache that cannot be written is skipped."""
    path = cache_dir / name
    temporary = path.with_suffix(f".{os.getpid()}.tmp")
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        with temporary.open("wb") as handle:
            pickle.dump(loaded, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, path)
        stem = name.rsplit("-", 1)[0]
        for old in cache_dir.glob(f"{stem}-*.pickle"):
            if old != path:
                old.unlink(missing_ok=True)
    except OSError:
        temporary.unlink(missing_ok=True)
