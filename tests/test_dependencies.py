"""Declared dependencies: every package the product imports is in requirements.txt, every package the tests and
benchmarks import is in requirements-dev.txt (or the runtime file), and nothing runtime is declared for tests only.

Imports are read with ``ast`` (nothing is imported); an import name is mapped to the distributions that install it
with ``importlib.metadata.packages_distributions`` on this environment.
"""

from __future__ import annotations

import ast
import importlib.metadata as md
import re
import sys
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PRODUCT = ("geo", "layers", "ui", "app_pages")
OWN = {*PRODUCT, "tests", "bench", "app"}
USED_WITHOUT_IMPORT = {
    "pyogrio": "geopandas' file engine (read_file, to_file)",
    "openpyxl": "pandas' engine for Excel re-saves of the LAPD export",
    "authlib": "Streamlit's sign-in (st.login) through OpenID Connect",
}
"""Runtime requirements the code uses through another library, never by ``import``."""


def _name(requirement: str) -> str:
    return re.split(r"[\s\[<>=!~;]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


@cache
def declared(path: str) -> frozenset[str]:
    """Distribution names a requirements file declares (following ``-r``), normalised."""
    out: set[str] = set()
    for raw in (ROOT / path).read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if line.startswith("-r"):
            out |= declared(line[2:].strip())
        elif line:
            out.add(_name(line))
    return frozenset(out)


def imports(paths: list[Path]) -> dict[str, str]:
    """Top-level third-party import names in ``paths``, each with one place that imports it."""
    found: dict[str, str] = {}
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                if top not in sys.stdlib_module_names and top not in OWN:
                    found.setdefault(top, f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


@cache
def _installed() -> dict[str, list[str]]:
    return dict(md.packages_distributions())


def distributions(module: str) -> set[str]:
    """The distributions that install the import name ``module``, normalised."""
    return {d.lower().replace("_", "-") for d in _installed().get(module, [])}


def product_files() -> list[Path]:
    return [ROOT / "app.py", *(p for root in PRODUCT for p in sorted((ROOT / root).rglob("*.py")))]


def test_the_product_imports_only_declared_runtime_packages() -> None:
    runtime = declared("requirements.txt")
    missing = {
        module: where for module, where in imports(product_files()).items() if not distributions(module) & runtime
    }
    assert not missing, f"imported but not in requirements.txt: {missing}"


def test_tests_and_benchmarks_import_only_declared_packages() -> None:
    everything = declared("requirements-dev.txt")
    files = sorted((ROOT / "tests").rglob("*.py")) + sorted((ROOT / "bench").rglob("*.py"))
    missing = {module: where for module, where in imports(files).items() if not distributions(module) & everything}
    assert not missing, f"imported by tests or benchmarks but not in requirements-dev.txt: {missing}"


def test_every_runtime_requirement_is_used_by_the_product() -> None:
    used = set().union(*(distributions(m) for m in imports(product_files())))
    unused = declared("requirements.txt") - used - set(USED_WITHOUT_IMPORT)
    assert not unused, (
        f"in requirements.txt but never imported by the product (tests only? requirements-dev.txt): {unused}"
    )


@pytest.mark.parametrize("line", ["pandas>=2.2,<3.2", "psycopg[binary]>=3.2,<4", "XStatic_Leaflet>=1.9.3"])
def test_requirement_names_are_read(line: str) -> None:
    assert _name(line) in {"pandas", "psycopg", "xstatic-leaflet"}
