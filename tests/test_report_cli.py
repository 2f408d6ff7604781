"""``python -m geo report``: every format from the command line, JSON summary, exit 2 on bad arguments."""

from __future__ import annotations

import json
import shutil

import pytest

from geo.cli import main
from geo.exports.model import SIZES
from tests.report_helpers import (
    assert_not_blank,
    between,
    demo_tables,
    latimes_path,
    metres_from_outline,
    names_found,
    near_bounds,
    pdf_text,
    place_utm,
    png_shape,
)

POPPLER = all(shutil.which(t) for t in ("pdftoppm", "pdftotext"))


@pytest.fixture(autouse=True)
def _fresh(fresh_settings):
    return None


def run(capsys, *argv: str) -> tuple[int, dict | None, str]:
    code = main(["report", *argv])
    out, err = capsys.readouterr()
    return code, (json.loads(out) if code == 0 else None), err


def test_png_slide_by_default(capsys, tmp_path):
    out = tmp_path / "slide.png"
    code, summary, _ = run(capsys, "--place", "Harvard Park", "--from", "2023-06-01", "--to", "2024-05-31",
                           "--out", str(out))  # fmt: skip
    assert code == 0
    assert summary["format"] == "png"
    assert summary["size"] == "slide"
    assert summary["privacy"] == "public"
    assert summary["output"] == str(out)
    assert summary["cells"] >= 1
    assert summary["suppressed"] >= 0
    assert summary["points"] is None
    assert summary["synthetic"] is True
    assert summary["crosses_nibrs_break"] is True
    png = out.read_bytes()
    assert png_shape(png) == SIZES["slide"]
    assert_not_blank(png)


def test_png_letter_from_a_point_in_spanish(capsys, tmp_path):
    out = tmp_path / "page.png"
    code, summary, _ = run(capsys, "--lat", "33.9839", "--lon", "-118.3046", "--size", "letter", "--lang", "es",
                           "--out", str(out))  # fmt: skip
    assert code == 0
    assert summary["lang"] == "es"
    assert png_shape(out.read_bytes()) == SIZES["letter"]


@pytest.mark.realdata
@pytest.mark.skipif(not POPPLER, reason="poppler-utils (pdftoppm, pdftotext) is not installed")
def test_pdf_from_the_raw_latimes_file_in_spanish(capsys, tmp_path):
    out = tmp_path / "handout.pdf"
    code, summary, _ = run(capsys, "--place", "harvard park", "--incidents", str(latimes_path()), "--from",
                           "2016-01-01", "--to", "2016-12-31", "--lang", "es", "--out", str(out))  # fmt: skip
    assert code == 0
    assert summary["focus"] == "Harvard Park"
    assert summary["synthetic"] is False
    text = pdf_text(out.read_bytes(), tmp_path)
    assert "Cifras clave" in text
    assert "Privacidad: versión pública" in text
    assert names_found(text) == []


def test_html_internal(capsys, tmp_path):
    out = tmp_path / "map.html"
    code, summary, _ = run(capsys, "--place", "Harvard Park", "--privacy", "internal", "--category", "homicide",
                           "--out", str(out))  # fmt: skip
    assert code == 0
    assert summary["privacy"] == "internal"
    assert summary["cells"] is None
    page = out.read_text(encoding="utf-8")
    assert "internal - do not distribute" in page


def test_every_filter_flag_reaches_the_report(capsys, tmp_path):
    out = tmp_path / "map.html"
    code, summary, _ = run(capsys, "--place", "Harvard Park", "--privacy", "internal", "--category",
                           "robbery,assault_with_weapon", "--sex", "M", "--hours", "18-23", "--from", "2018-01-01",
                           "--to", "2019-12-31", "--out", str(out))  # fmt: skip
    assert code == 0
    inc, places, _ = demo_tables()
    hour = inc["occurred_at"].dt.tz_convert("America/Los_Angeles").dt.hour
    rows = (
        inc["category"].isin(["robbery", "assault_with_weapon"]).to_numpy(dtype=bool)
        & (inc["victim_sex"].fillna("") == "M").to_numpy(dtype=bool)
        & ((hour >= 18) & (hour <= 23)).to_numpy(dtype=bool)
        & inc["time_known"].to_numpy(dtype=bool)
        & between(inc, "2018-01-01", "2019-12-31")
    )
    lo, hi = near_bounds(metres_from_outline(inc, place_utm(places, "Harvard Park")), rows, 400.0)
    assert lo >= 3
    assert summary["figures"]["within"] in {str(n) for n in range(lo, hi + 1)}
    assert summary["from"] == "2018-01-01"
    assert summary["to"] == "2019-12-31"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--place", "Nowhere", "--out", "{tmp}/a.pdf"], "no place named 'Nowhere'"),
        (["--place", "Harvard Park", "--out", "{tmp}/a.docx"], "--out must end in .pdf, .png or .html"),
        (["--place", "Harvard Park", "--size", "letter", "--out", "{tmp}/a.pdf"], "--size applies to PNG"),
        (["--place", "Harvard Park", "--from", "2016-13-01", "--out", "{tmp}/a.pdf"], "--from must be a date"),
        (["--place", "Harvard Park", "--from", "2017-01-01", "--to", "2016-01-01", "--out", "{tmp}/a.pdf"],
         "is after --to"),
        (["--lat", "33.98", "--out", "{tmp}/a.pdf"], "give both --lat and --lon"),
        (["--place", "Harvard Park", "--out", "{tmp}/no/such/dir/a.pdf"], "does not exist"),
        (["--place", "Harvard Park", "--incidents", "{tmp}/missing.csv", "--out", "{tmp}/a.pdf"], "missing.csv"),
        (["--place", "Harvard Park", "--category", "arson", "--out", "{tmp}/a.pdf"], "unknown category"),
        (["--place", "Harvard Park", "--privacy", "open", "--out", "{tmp}/a.pdf"], "invalid choice"),
        (["--out", "{tmp}/a.pdf"], "one of the arguments --place --lat is required"),
    ],
)  # fmt: skip
def test_bad_arguments_exit_2_with_one_line(capsys, tmp_path, argv, message):
    args = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    try:
        code = main(["report", *args])
    except SystemExit as exc:  # argparse errors
        code = int(exc.code)  # type: ignore[arg-type]
    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert not list(tmp_path.glob("a.*"))
