"""The faces (cli, api, web, interface, server) take no name from the store, not even one a
service module re-exports: import-linter sees which modules a face imports, not which names, so
this test reads every `from yibao.… import name` of a face and checks where the object is
defined."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path
from types import ModuleType

import pytest

FACES = ("cli", "api", "web", "interface", "server")


def _face_modules() -> list[str]:
    names: list[str] = []
    for face in FACES:
        package = importlib.import_module(f"yibao.{face}")
        names.append(package.__name__)
        names += [m.name for m in pkgutil.walk_packages(package.__path__, f"{package.__name__}.")]
    return names


def _from_store(value: object) -> bool:
    if isinstance(value, ModuleType):
        return value.__name__.startswith("yibao.store")
    return str(getattr(value, "__module__", "")).startswith("yibao.store")


@pytest.mark.parametrize("name", _face_modules())
def test_a_face_imports_no_name_of_the_store(name: str) -> None:
    module = importlib.import_module(name)
    assert module.__file__ is not None
    tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0 \
                and node.module.startswith("yibao."):
            source = importlib.import_module(node.module)
            for alias in node.names:
                value = getattr(source, alias.name, None)
                if value is None:  # a submodule imported by name
                    value = importlib.import_module(f"{node.module}.{alias.name}")
                if _from_store(value):
                    found.append(f"{node.module}.{alias.name}")
    assert found == [], f"{name} takes store names through {found}"


def test_the_faces_are_found() -> None:
    assert {n.split(".")[1] for n in _face_modules()} == set(FACES)
