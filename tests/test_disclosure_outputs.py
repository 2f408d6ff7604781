"""Every public output on a per-victim source whose places, rings, months, cells and zones hold small counts.

The threshold is raised to 50 (``SAFETYMAP__PRIVACY__MIN_COUNT``) and the victims come in three clusters of
47, 41 and 43 (synthetic, in the LA Times file's format): each cluster is a count under the threshold in every
breakdown (cell, ring, month, year, hour and weekday, zone), and numbers that no page prints for another reason.
None of them may appear as a number in any page (both languages, public view by default), export (PDF text, HTML,
JSON summary) or command-line output.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from geo.core.settings import use_config

ROOT = Path(__file__).resolve().parents[1]
MIN_COUNT = 50
CLUSTERS = (  # (victims, lat, lon, date, hour): 47 at the park, 41 about 250 m north, 43 about 550 m south
    (47, 33.98394, -118.30458, "2016-03-05", 21),
    (41, 33.98620, -118.30458, "2016-07-14", 2),
    (43, 33.97900, -118.30460, "2017-05-20", 14),
)
SECRETS = tuple(n for n, *_ in CLUSTERS)
PAGES = ("map", "trends", "rates", "present", "route", "data", "methods")


def _victims() -> list[dict[str, Any]]:
    rows = []
    for n, lat, lon, day, hour in CLUSTERS:
        for i in range(n):
            rows.append(
                {
                    "case_number": f"{day[:4]}-9{n:02d}{i:02d}",
                    "slug": f"synthetic-victim-{n}-{i}",
                    "first_name": "Synthetic",
                    "last_name": f"Person{n}x{i}",
                    "death_date": f"{day}T{hour:02d}:00:00.000Z",
                    "death_year": int(day[:4]),
                    "age": 30.0,
                    "race": "black",
                    "gender": "male",
                    "image": None,
                    "longitude": lon + i * 1e-6,
                    "latitude": lat,
                }
            )
    return rows


@pytest.fixture(scope="module")
def victims_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, Path]:
    from geo.data.ingest import ingest_file

    folder = tmp_path_factory.mktemp("victims")
    source = folder / "harvard_park_homicides.json"
    source.write_text(json.dumps(_victims()), encoding="utf-8")
    store = folder / "store"
    store.mkdir()
    name = Path(ingest_file(source, store_dir=store)["output"]).stem
    return store, name, source


@pytest.fixture
def public_env(victims_store: tuple[Path, str, Path], monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    store, name, _ = victims_store
    monkeypatch.setenv("SAFETYMAP__SOURCES__STORE_DIR", str(store))
    monkeypatch.setenv("SAFETYMAP__PRIVACY__MIN_COUNT", str(MIN_COUNT))
    use_config(None)
    yield name
    use_config(None)


def leaked(text: str) -> list[str]:
    """The secret counts that ``text`` prints as numbers (not inside a longer number, a date or an id)."""
    found = []
    for n in SECRETS:
        for m in re.finditer(rf"(?<![\w.,\-/#:]){n}(?![\w.,\-/:])", text):
            found.append(text[max(0, m.start() - 60) : m.end() + 60])
    return found


def _walk(node: Any) -> Iterator[Any]:
    yield node
    for child in getattr(node, "children", {}).values():
        yield from _walk(child)


def page_output(at: AppTest) -> str:
    """Everything a page sends: text of every element, tables and data frames as CSV, HTML and frames."""
    parts: list[str] = []
    for root in (at.main, at.sidebar):
        for node in _walk(root):
            value = getattr(node, "value", None)
            if callable(getattr(value, "to_csv", None)):  # a table (a component's value may answer to any name)
                parts.append(value.to_csv(sep="\t"))  # tabs: a comma before a number reads as a thousands mark
            proto = getattr(node, "proto", None)
            if proto is not None and node.type not in ("arrow_data_frame", "table", "dataframe"):
                parts.append(str(proto))
    return "\n".join(parts)


@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize("page", PAGES)
def test_no_page_prints_a_small_count_in_the_public_view(public_env: str, page: str, lang: str) -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=240)
    at.query_params["data"] = public_env
    at.query_params["lang"] = lang
    at.query_params["place"] = "Harvard Park"
    at.switch_page(f"app_pages/{page}.py").run()
    assert not at.exception, at.exception
    text = page_output(at)
    assert "Person47x" not in text  # no name either
    assert not leaked(text), leaked(text)[:3]
    if page != "methods":
        assert "Los Angeles Times" in text  # the page is about the per-victim layer of the fixture
    if page == "map":  # the total in view is shown exactly
        assert f'body: "{sum(SECRETS)}"' in text  # the key figure, exact: 131 people killed in view


def _report(source: Path, lang: str, privacy: str = "public") -> Any:
    import geopandas as gpd

    from geo.cli._common import incidents_from_path
    from geo.core.filters import Filters
    from geo.core.settings import get_settings
    from geo.exports.report import build_report

    s = get_settings()
    inc = incidents_from_path(source)
    places = gpd.read_file(s.sources.places)
    return build_report(inc, places, filters=Filters(place="Harvard Park"), lang=lang, privacy=privacy, settings=s)


@pytest.mark.parametrize("lang", ["en", "es"])
def test_no_export_prints_a_small_count(public_env: str, victims_store: tuple[Path, str, Path], lang: str) -> None:
    from geo.exports.render import render_html, render_pdf

    source = victims_store[2]
    report = _report(source, lang)
    html = render_html(report)
    assert not leaked(html), leaked(html)[:3]
    assert not leaked(json.dumps(report.summary_dict(), ensure_ascii=False))
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed: the PDF's text is not read")
    pdf = render_pdf(report)
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    assert not leaked(text), leaked(text)[:3]
    internal = _report(source, lang, privacy="internal")  # the internal view still shows exact figures, watermarked
    assert any(f.number in SECRETS for f in internal.figures if f.number is not None) or internal.points is not None


ZONES = str(ROOT / "data" / "demo" / "rate_zones.geojson")
EVALUATE = [
    "evaluate", "--treated", "Harvard Park", "--control", "Van Ness Recreation Center", "--start", "2016-06-01",
    "--coverage", "{tmp}/area.geojson",  # the area the victims' source covers, both places in it (AREA below)
]  # fmt: skip
AREA = {"type": "Polygon", "coordinates": [[[-118.33, 33.96], [-118.27, 33.96], [-118.27, 34.0], [-118.33, 34.0],
                                            [-118.33, 33.96]]]}  # fmt: skip
COMMANDS = [
    ["report", "--place", "Harvard Park", "--out", "{tmp}/handout.html"],
    ["report", "--place", "Harvard Park", "--from", "2017-05-01", "--to", "2017-05-31", "--out", "{tmp}/h.html"],
    ["near", "--place", "Harvard Park"],
    ["near", "--lat", "33.9862", "--lon", "-118.30458", "--from", "2016-07-14", "--to", "2016-07-14"],
    ["rank", "--kind", "park"],
    ["trend", "--place", "Harvard Park", "--freq", "month"],
    ["trend", "--zones", ZONES, "--freq", "year"],
    ["trend", "--freq", "month"],
    ["zones", "--zones", ZONES],
    ["rates", "--place", "Harvard Park", "--population", "demo"],  # synthetic residents only when asked for
    ["rates", "--zones", ZONES, "--population", "demo"],
    [
        "route",
        "--place",
        "Harvard Park",
        "--budget-min",
        "60",
        "--out",
        "{tmp}/route.gpx",
        "--card",
        "{tmp}/card.pdf",
        "--network",
        "demo",
    ],  # the generated grid, chosen knowingly: real incidents refuse it unless named
    ["hotspots", "--method", "grid", "--out", "{tmp}/cells.geojson"],
    [*EVALUATE, "--monthly"],
    EVALUATE,
]


def run_command(args: list[str], source: Path, tmp_path: Path) -> tuple[int | None, str, str]:
    """``python -m geo ARGS --incidents SOURCE`` in this process (``{tmp}`` in an argument is ``tmp_path``):
    the exit code, standard output and standard error."""
    from geo.cli import main

    if "{tmp}/area.geojson" in args:
        (tmp_path / "area.geojson").write_text(json.dumps(AREA), encoding="utf-8")
    argv = [a.replace("{tmp}", str(tmp_path)) for a in args]
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([*argv, "--incidents", str(source)])
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: "-".join(a[:2]))
def test_the_command_line_prints_no_small_count(
    public_env: str, victims_store: tuple[Path, str, Path], args: list[str], tmp_path: Path
) -> None:
    code, out, err = run_command(args, victims_store[2], tmp_path)
    printed = out + err
    assert code in (0, None), printed
    assert "Person" not in printed  # no name
    csv_safe = printed.replace(",", ", ")  # a CSV value after its comma (secrets are never part of a longer number)
    assert not leaked(csv_safe), leaked(csv_safe)[:3]
    for written in [*tmp_path.glob("*.html"), *tmp_path.glob("*.gpx"), *tmp_path.glob("*.geojson")]:
        assert not leaked(written.read_text(encoding="utf-8"))
    for card in tmp_path.glob("*.pdf"):
        if shutil.which("pdftotext"):
            text = subprocess.run(["pdftotext", str(card), "-"], capture_output=True, check=True).stdout.decode()
            assert not leaked(text), leaked(text)[:3]
    if args[0] != "report":
        assert "9470" not in printed  # no case number (the fixture's record ids)


@pytest.mark.parametrize(
    "args",
    [
        ["hotspots", "--method", "kde", "--out", "{tmp}/kde.geojson"],
        ["hotspots", "--method", "gistar", "--out", "{tmp}/gi.geojson"],
        ["nearrepeat", "--space-m", "100,200", "--time-days", "7,14"],
    ],
    ids=lambda a: "-".join(a[:3]),
)
def test_surfaces_and_tests_of_single_events_are_internal_only(
    public_env: str, victims_store: tuple[Path, str, Path], args: list[str], tmp_path: Path
) -> None:
    code, _out, err = run_command(args, victims_store[2], tmp_path)
    assert code == 2
    assert "--privacy internal" in err
    assert not list(tmp_path.iterdir())  # nothing written


def test_the_leak_check_finds_a_printed_count() -> None:
    assert leaked("People killed in view 47")
    assert leaked("| 2016 | 41 | fewer than 50 |")
    assert not leaked("2016-03-05 case 2016-94700 at 470 m, 1,447 rows, arrive 23:41, leave 00:43")
