"""Values echoed to people stay inert text; CSV cells never start a spreadsheet formula."""

from __future__ import annotations

import csv
import html
import io
import string
import unicodedata
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.cli import main
from geo.core.errors import DataError
from geo.core.text import (
    CSV_FORMULA_START,
    ELLIPSIS,
    WORD_JOINER,
    clean,
    csv_cell,
    csv_safe,
    echo,
    to_csv_text,
)

PHISH = "[Click here to log in](http://evil.example/phish)"
TRACKER = "![x](http://evil.example/track.png)"


def unescaped_punctuation(text: str) -> list[str]:
    """ASCII punctuation in ``text`` not preceded by a backslash escape (CommonMark rules)."""
    bad, i = [], 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text) and text[i + 1] in string.punctuation:
            i += 2
            continue
        if text[i] in string.punctuation:
            bad.append(text[i])
        i += 1
    return bad


@pytest.mark.parametrize("value", [PHISH, TRACKER, "<img src=x onerror=alert(1)>", "**bold** _it_ `code` # h"])
def test_markdown_and_html_are_escaped(value: str) -> None:
    out = echo(value, limit=500)
    assert unescaped_punctuation(out) == []
    # removing the escapes gives the value back: it is shown, not interpreted
    assert out.replace("\\", "").replace(WORD_JOINER, "") == value
    assert "://" not in out.replace("\\", "")  # no bare URL left for Markdown to turn into a link
    assert echo(value, limit=500, markup="html") == html.escape(value, quote=True)
    assert "<" not in echo(value, limit=500, markup="html")


def test_control_characters_are_removed_and_lines_joined() -> None:
    value = "Harvard\x00 Park\u202e\u200b\r\nline two\x1b[31m\t!"
    out = echo(value, markup="text")
    assert out == "Harvard Park line two[31m !"
    assert all(unicodedata.category(ch)[0] != "C" for ch in out)


def test_long_values_are_cut_with_an_ellipsis() -> None:
    assert echo("x" * 100_000, limit=50, markup="text") == "x" * 49 + ELLIPSIS
    assert echo("short", limit=50, markup="text") == "short"
    assert echo(None, markup="text") == ""
    with pytest.raises(DataError, match="limit"):
        echo("x", limit=0)
    with pytest.raises(DataError, match="markup"):
        echo("x", markup="rst")  # type: ignore[arg-type]


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300), st.integers(1, 200))
def test_echo_is_always_inert_and_bounded(value: str, limit: int) -> None:
    out = echo(value, limit=limit)
    assert unescaped_punctuation(out) == []
    plain = echo(value, limit=limit, markup="text")
    assert len(plain) <= limit
    assert not any(unicodedata.category(ch) in ("Cc", "Cf") for ch in plain)
    assert "\n" not in out


@pytest.mark.parametrize(
    "cell",
    ['=HYPERLINK("http://evil.example","x")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A2)", "\tx", "\r=1"],
)
def test_formula_cells_get_a_leading_quote(cell: str) -> None:
    assert cell.startswith(CSV_FORMULA_START)
    assert csv_cell(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["Harvard Park", "-118.29", "+1", "1e-3", "", "a=b", 7, -3.5, None])
def test_ordinary_cells_pass_unchanged(cell: object) -> None:
    assert csv_cell(cell) == cell


def test_csv_text_neutralises_cells_and_headers_but_not_numbers() -> None:
    frame = pd.DataFrame(
        {
            "name": ["=1+1", "ok", None],
            "@head": ["x", "-y", "z"],
            "lon": [-118.3, -118.2, -118.1],
            "s": pd.array(["+a", "b", pd.NA], dtype="string"),
        }
    )
    rows = list(csv.reader(io.StringIO(to_csv_text(frame))))
    assert rows[0] == ["name", "'@head", "lon", "s"]
    assert [r[0] for r in rows[1:]] == ["'=1+1", "ok", ""]
    assert [r[1] for r in rows[1:]] == ["x", "'-y", "z"]
    assert [float(r[2]) for r in rows[1:]] == [-118.3, -118.2, -118.1]
    assert [r[3] for r in rows[1:]] == ["'+a", "b", ""]
    assert frame["name"].iloc[0] == "=1+1"  # the caller's frame is not changed
    assert str(csv_safe(frame)["s"].dtype) == "string"


def test_clean_keeps_ordinary_text() -> None:
    assert clean("  Jordan   Downs ") == "Jordan Downs"
    assert clean("Peña — Jardín") == "Peña — Jardín"


def test_geo_zones_csv_neutralises_zone_names(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    evil = ['=HYPERLINK("http://evil.example","x")', "+cmd|' /C calc'!A0"]
    zones = gpd.GeoDataFrame(
        {"zone_name": evil},
        geometry=[shapely.box(-118.32, 33.97, -118.30, 34.0), shapely.box(-118.30, 33.97, -118.28, 34.0)],
        crs="EPSG:4326",
    )
    zpath = tmp_path / "zones.geojson"
    zones.to_file(zpath, driver="GeoJSON")
    dest = tmp_path / "zones.csv"
    assert main(["zones", "--zones", str(zpath), "--out", str(dest), "--from", "2016-01-01"]) == 0
    capsys.readouterr()
    rows = list(csv.DictReader(io.StringIO(dest.read_text())))
    named = {r["zone"] for r in rows if r["zone"]}
    assert named == {"'" + name for name in evil}
    assert not any(r["zone"].startswith(CSV_FORMULA_START) for r in rows)
