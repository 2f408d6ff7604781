"""The layout holds: imports point down (pages -> ui -> layers -> geo; inside geo core <- data <- analysis <- survey
<- patrol <- exports <- cli), no import cycle, no module over the size limit, no private name reached into across
packages.

Every module of geo/, layers/, ui/, app_pages/ and app.py is parsed with ``ast`` (nothing is imported); imports are
read at module level and inside functions. Imports under ``if TYPE_CHECKING:`` count for the direction rules (a type
from a higher layer is still a dependency on it) but not for cycles (they never run).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import networkx as nx
import pytest

ROOT = Path(__file__).resolve().parents[1]
TOP = ("geo", "layers", "ui", "app_pages")
# Higher layers may import lower ones, never the reverse.
LAYERS = ("geo", "layers", "ui", "app_pages", "app")
GEO_ORDER = ("core", "data", "analysis", "survey", "patrol", "exports", "cli")
FORBIDDEN_THIRD_PARTY = {
    "geo": ("streamlit", "streamlit_folium", "folium"),
    "layers": ("streamlit", "streamlit_folium"),
}
MAX_LINES = 500
# Modules allowed over MAX_LINES, each with the most lines it may have.
TOO_LONG: dict[str, int] = {}
# Private names imported across packages today (importer, what it takes), each to be made public or moved.
PRIVATE_ALLOWED: set[tuple[str, str]] = set()


@dataclass(frozen=True)
class Import:
    """One imported project module (or a name from it) and where the import statement is."""

    importer: str  # dotted module name
    target: str  # the project module that is loaded
    names: tuple[str, ...]  # the names taken from it (empty for ``import x``)
    line: int
    type_checking: bool

    def where(self) -> str:
        return f"{self.importer} (line {self.line})"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def modules() -> dict[str, Path]:
    """Every project module by dotted name."""
    files = [ROOT / "app.py", *(p for top in TOP for p in sorted((ROOT / top).rglob("*.py")))]
    return {module_name(p): p for p in files}


def is_package(name: str) -> bool:
    return modules()[name].name == "__init__.py"


def _guarded_by_type_checking(tree: ast.Module) -> set[int]:
    """Ids of the import nodes inside ``if TYPE_CHECKING:`` blocks."""
    out: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and ast.unparse(node.test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING"):
            out |= {id(n) for stmt in node.body for n in ast.walk(stmt) if isinstance(n, ast.Import | ast.ImportFrom)}
    return out


def _absolute(importer: str, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    base = importer.split(".")
    if not is_package(importer):
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, *([node.module] if node.module else [])])


def _project(name: str) -> str | None:
    """The project module that ``import name`` loads (the longest known prefix), or None outside the project."""
    parts = name.split(".")
    for n in range(len(parts), 0, -1):
        candidate = ".".join(parts[:n])
        if candidate in modules():
            return candidate
    return None


@cache
def third_party(importer: str) -> tuple[tuple[str, int], ...]:
    """Top-level names of the outside packages ``importer`` imports, with line numbers."""
    tree = ast.parse(modules()[importer].read_text(encoding="utf-8"))
    out: list[tuple[str, int]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(a.name.split(".")[0], node.lineno) for a in node.names if _project(a.name) is None]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module and _project(node.module) is None:
            out.append((node.module.split(".")[0], node.lineno))
    return tuple(out)


@cache
def imports(importer: str) -> tuple[Import, ...]:
    tree = ast.parse(modules()[importer].read_text(encoding="utf-8"))
    guarded = _guarded_by_type_checking(tree)
    out: list[Import] = []
    for node in ast.walk(tree):
        tc = id(node) in guarded
        if isinstance(node, ast.Import):
            for alias in node.names:
                target = _project(alias.name)
                if target is not None:
                    out.append(Import(importer, target, (), node.lineno, tc))
        elif isinstance(node, ast.ImportFrom):
            source = _absolute(importer, node)
            base = _project(source)
            if base is None:
                continue
            plain: list[str] = []
            for alias in node.names:
                sub = f"{source}.{alias.name}"
                if sub in modules():  # ``from pkg import submodule``
                    out.append(Import(importer, sub, (), node.lineno, tc))
                else:
                    plain.append(alias.name)
            if plain or base != source:
                # ``from a.b import name`` where a.b is no module of ours: a.b's longest known prefix is loaded
                out.append(Import(importer, base, tuple(plain), node.lineno, tc))
    return tuple(out)


def all_imports() -> Iterator[Import]:
    for name in modules():
        yield from imports(name)


def layer_of(name: str) -> str:
    return name.split(".")[0]


def geo_rank(name: str) -> int:
    """Rank of a geo module's sub-package in GEO_ORDER; modules of geo itself rank above cli."""
    parts = name.split(".")
    return GEO_ORDER.index(parts[1]) if len(parts) > 1 and parts[1] in GEO_ORDER else len(GEO_ORDER)


def package_of(name: str) -> str:
    return name if is_package(name) else name.rpartition(".")[0]


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def private_parts(imp: Import) -> list[str]:
    """The private things (``_x``, not dunders) that ``imp`` takes from outside the importer's own package.

    A private module ``a.b._c`` belongs to package ``a.b``; a private name ``_x`` of module ``a.b.m`` belongs
    to ``a.b`` (of package ``a.b``: to ``a.b`` itself).
    """
    home = package_of(imp.importer)
    parts = imp.target.split(".")
    for i, part in enumerate(parts):
        if _private(part):
            return [imp.target] if ".".join(parts[:i]) != home else []
    if package_of(imp.target) == home:
        return []
    return [f"{imp.target}.{n}" for n in imp.names if _private(n)]


# --- the tests ----------------------------------------------------------------------------------------


def test_every_project_module_is_seen() -> None:
    names = modules()
    for expected in ("app", "geo.core.settings", "geo.cli", "layers.compose", "ui.common", "app_pages.map"):
        assert expected in names, expected
    assert len(names) > 50
    # relative and ``from pkg import submodule`` imports are resolved to modules
    assert {"ui.analysis", "ui.data", "ui.mapview"} <= {i.target for i in imports("app_pages.map")}
    assert {"layers.compose", "ui.analysis", "ui.data"} <= {i.target for i in imports("ui.mapview")}


def test_no_import_cycle() -> None:
    graph = nx.DiGraph()
    graph.add_nodes_from(modules())
    graph.add_edges_from((i.importer, i.target) for i in all_imports() if not i.type_checking)
    graph.remove_edges_from(nx.selfloop_edges(graph))
    cycles = []
    for scc in nx.strongly_connected_components(graph):
        if len(scc) > 1:
            cycle = nx.find_cycle(graph.subgraph(scc))
            cycles.append(" -> ".join([*(a for a, _ in cycle), cycle[0][0]]))
    assert not cycles, "import cycles among project modules:\n  " + "\n  ".join(sorted(cycles))


@pytest.mark.parametrize("layer", sorted(FORBIDDEN_THIRD_PARTY))
def test_lower_layers_stay_free_of_the_ui_libraries(layer: str) -> None:
    forbidden = FORBIDDEN_THIRD_PARTY[layer]
    bad = [
        f"{name} (line {line}) imports {pkg}"
        for name in modules()
        if layer_of(name) == layer
        for pkg, line in third_party(name)
        if pkg in forbidden
    ]
    assert not bad, f"{layer}/ must not import {', '.join(forbidden)}:\n  " + "\n  ".join(bad)


def test_imports_point_down_from_pages_to_ui_to_layers_to_geo() -> None:
    bad = [
        f"{i.where()} imports {i.target}"
        for i in all_imports()
        if LAYERS.index(layer_of(i.target)) > LAYERS.index(layer_of(i.importer))
    ]
    assert not bad, f"imports must point down {' <- '.join(LAYERS)}:\n  " + "\n  ".join(bad)


def test_geo_subpackages_import_only_downwards() -> None:
    bad = [
        f"{i.where()} imports {i.target}"
        for i in all_imports()
        if layer_of(i.importer) == "geo" == layer_of(i.target) and geo_rank(i.target) > geo_rank(i.importer)
    ]
    assert not bad, f"inside geo, imports must point down {' <- '.join(GEO_ORDER)}:\n  " + "\n  ".join(bad)


def _lines(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def test_no_module_is_over_the_size_limit() -> None:
    sizes = {str(p.relative_to(ROOT)): _lines(p) for p in modules().values()}
    over = {f: n for f, n in sorted(sizes.items(), key=lambda kv: -kv[1]) if n > MAX_LINES}
    print("\nmodules over", MAX_LINES, "lines:", ", ".join(f"{f} {n}" for f, n in over.items()) or "none")
    bad = [f"{f}: {n} lines" for f, n in over.items() if f not in TOO_LONG]
    bad += [f"{f}: {n} lines, more than its allowed {TOO_LONG[f]}" for f, n in over.items() if n > TOO_LONG.get(f, n)]
    assert not bad, f"modules over {MAX_LINES} lines (split them):\n  " + "\n  ".join(bad)
    stale = [f"{f}: {sizes.get(f, 'gone')}" for f in TOO_LONG if f not in over]
    assert not stale, "remove from TOO_LONG in tests/test_layout.py, now within the limit:\n  " + "\n  ".join(stale)


def test_no_private_name_is_imported_across_packages() -> None:
    found = {(i.importer, p): i for i in all_imports() for p in private_parts(i)}
    bad = [f"{i.where()} imports {p}" for (_, p), i in sorted(found.items()) if (i.importer, p) not in PRIVATE_ALLOWED]
    assert not bad, "private names imported from another package (make them public or move them):\n  " + "\n  ".join(
        bad
    )
    stale = sorted(PRIVATE_ALLOWED - set(found))
    assert not stale, f"remove from PRIVATE_ALLOWED in tests/test_layout.py, no longer imported: {stale}"


# --- one owner per promise: what a count may show ---------------------------------------------

DISCLOSURE_OWNER = "geo.core.disclosure"
THRESHOLD_NAMES = ("min_count", "n_min", "suppress_below")
"""Names under which the small-count threshold travels (``privacy.min_count`` and the like)."""


def _names_threshold(node: ast.expr) -> bool:
    if isinstance(node, ast.Name):
        return node.id in THRESHOLD_NAMES
    if isinstance(node, ast.Attribute):
        return node.attr in THRESHOLD_NAMES
    if isinstance(node, ast.BinOp):  # min_count - 1, n_min + 0 ...
        return _names_threshold(node.left) or _names_threshold(node.right)
    return False


def threshold_comparisons(tree: ast.Module) -> list[int]:
    """Lines of ``tree`` that compare something with the small-count threshold (``<``, ``<=``, ``>``, ``>=``)."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            ordered = [op for op in node.ops if isinstance(op, ast.Lt | ast.LtE | ast.Gt | ast.GtE)]
            if ordered and any(_names_threshold(side) for side in (node.left, *node.comparators)):
                found.append(node.lineno)
    return found


def test_only_the_disclosure_module_compares_a_count_with_the_threshold() -> None:
    """The small-count rule has one owner (DESIGN.md, "One owner per promise"): every other module asks
    :mod:`geo.core.disclosure` (``Disclosure.count``, ``.counts``, ``.table``, ``.enough``)."""
    offenders = []
    for name, path in modules().items():
        if name == DISCLOSURE_OWNER:
            continue
        lines = threshold_comparisons(ast.parse(path.read_text(encoding="utf-8")))
        offenders += [f"{path.relative_to(ROOT)}:{line}" for line in lines]
    assert not offenders, f"compare a count with the threshold outside {DISCLOSURE_OWNER}: {offenders}"


def test_the_threshold_check_finds_a_comparison() -> None:
    caught = threshold_comparisons(ast.parse("small = (n > 0) & (n < settings.privacy.min_count)\nok = n < 5\n"))
    assert caught == [1]
    assert threshold_comparisons(ast.parse("if 0 < count < n_min - 1: pass")) == [1]
    owner = modules()[DISCLOSURE_OWNER]
    assert threshold_comparisons(ast.parse(owner.read_text(encoding="utf-8")))  # the owner does compare


MAX_BODY_LINES = 80
"""Longest function body (lines after its docstring) in geo/, ui/ and layers/."""
LONG_BODIES = {
    "geo/analysis/evaluate.py:evaluate_program",
    "geo/analysis/knox.py:knox_test",
    "geo/analysis/emerging.py:emerging_hotspots",
}
"""Functions still over :data:`MAX_BODY_LINES`, each one step of a published method kept in one piece; none may be
added, and one that shrinks must leave this list (the test says so)."""


def body_lengths(tree: ast.Module) -> Iterator[tuple[str, int]]:
    """(name, body lines without the docstring) of every function in ``tree``."""
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            first = node.body[0]
            documented = isinstance(first, ast.Expr) and isinstance(getattr(first, "value", None), ast.Constant)
            start = (first.end_lineno or first.lineno) + 1 if documented and len(node.body) > 1 else node.body[0].lineno
            yield node.name, (node.end_lineno or node.lineno) - start + 1


def test_no_function_body_is_over_80_lines() -> None:
    found = set()
    for package in ("geo", "ui", "layers"):
        for path in sorted((ROOT / package).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            found |= {f"{path.relative_to(ROOT)}:{n}" for n, lines in body_lengths(tree) if lines > MAX_BODY_LINES}
    assert found - LONG_BODIES == set(), "functions over 80 lines; split them into named steps"
    assert LONG_BODIES - found == set(), "these are no longer over 80 lines: take them off LONG_BODIES"


def test_the_body_length_counts_lines_after_the_docstring() -> None:
    body = "\n".join(f"    x{i} = {i}" for i in range(81))
    tree = ast.parse(f'def long():\n    """Doc."""\n{body}\n\ndef short():\n    return 1\n')
    assert dict(body_lengths(tree)) == {"long": 81, "short": 1}


def bare_strings(tree: ast.Module) -> list[int]:
    """Lines of the string statements of a page script after its docstring: Streamlit's magic draws them."""
    body = tree.body[1:] if ast.get_docstring(tree) is not None else tree.body
    found = []
    for node in body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            continue  # a docstring there is not drawn
        for sub in ast.walk(node):
            if isinstance(sub, ast.Expr) and isinstance(sub.value, ast.Constant) and isinstance(sub.value.value, str):
                found.append(sub.lineno)
    return found


def test_no_page_script_holds_a_bare_string_that_streamlit_would_draw() -> None:
    found = {
        str(path.relative_to(ROOT)): lines
        for path in sorted([ROOT / "app.py", *(ROOT / "app_pages").glob("*.py")])
        if (lines := bare_strings(ast.parse(path.read_text(encoding="utf-8"))))
    }
    assert found == {}, "a string statement in a page script shows on the page: make it a comment"
    assert bare_strings(ast.parse('"""Doc."""\nX = 1\n"""Shown on the page."""\n')) == [3]
