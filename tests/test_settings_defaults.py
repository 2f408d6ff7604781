"""Settings from one place: no library function copies a settings value as a keyword default.

A default copied from ``config.yaml`` (or from ``DEFAULTS = Settings()``) lets a caller that leaves the argument out
bypass the configuration: the route's hot spots and the map's differed that way. Library functions take the value,
or the settings section, from their caller.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from geo.core.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("geo", "layers")


def _leaves(model: BaseModel, prefix: str = "") -> Iterator[tuple[str, str, Any]]:
    """(dotted path, field name, value) of every scalar or tuple setting."""
    for name in type(model).model_fields:
        value = getattr(model, name)
        if isinstance(value, BaseModel):
            yield from _leaves(value, f"{prefix}{name}.")
        elif isinstance(value, (int, float, str, tuple)) and not isinstance(value, bool):
            yield f"{prefix}{name}", name, value


def _named_like(param: str, field: str) -> bool:
    return param == field or field.endswith(f"_{param}")


def _functions() -> Iterator[tuple[str, Any]]:
    for package in PACKAGES:
        for info in pkgutil.walk_packages([str(ROOT / package)], prefix=f"{package}."):
            module = importlib.import_module(info.name)
            for name, obj in vars(module).items():
                if inspect.isclass(obj) and obj.__module__ == module.__name__:
                    for meth_name, meth in vars(obj).items():
                        if inspect.isfunction(meth):
                            yield f"{info.name}.{name}.{meth_name}", meth
                elif inspect.isfunction(obj) and obj.__module__ == module.__name__:
                    yield f"{info.name}.{name}", obj


def copied_defaults(settings: Settings) -> list[str]:
    """Keyword defaults equal to a setting of a like name (``cell_m=150`` beside ``analysis.grid_cell_m: 150``)."""
    leaves = list(_leaves(settings))
    found = []
    for where, func in _functions():
        for param in inspect.signature(func).parameters.values():
            if param.default is inspect.Parameter.empty or param.default is None or isinstance(param.default, bool):
                continue
            for path, field, value in leaves:
                if _named_like(param.name, field) and type(param.default) is type(value) and param.default == value:
                    found.append(f"{where}({param.name}={param.default!r}) copies {path}")
    return found


def defaults_from_settings_objects() -> list[str]:
    """Keyword defaults written as ``DEFAULTS.section.field`` or ``Settings().section.field`` in the source."""
    found = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    for default in [*node.args.defaults, *(d for d in node.args.kw_defaults if d is not None)]:
                        text = ast.unparse(default)
                        if "DEFAULTS" in text or "Settings()" in text or "get_settings()" in text:
                            found.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}(... = {text})")
    return found


def test_no_keyword_default_copies_a_setting() -> None:
    assert copied_defaults(Settings()) == []
    assert defaults_from_settings_objects() == []


def test_the_checks_find_a_copied_default(tmp_path: Path) -> None:
    def grid(points: object, *, cell_m: float = Settings().analysis.grid_cell_m) -> None:
        """A copy of the configured cell size, the kind of default the test refuses."""

    leaves = list(_leaves(Settings()))
    param = inspect.signature(grid).parameters["cell_m"]
    assert any(_named_like(param.name, f) and param.default == v for _, f, v in leaves)
    source = "def grid(points, *, cell_m=DEFAULTS.analysis.grid_cell_m):\n    pass\n"
    node = ast.parse(source).body[0]
    assert isinstance(node, ast.FunctionDef)
    assert "DEFAULTS" in ast.unparse(node.args.kw_defaults[0])  # type: ignore[arg-type]
