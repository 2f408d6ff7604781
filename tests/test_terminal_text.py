"""Text from data reaches a terminal without escape codes, and an error or a warning stays one line (issue 28, case 11).

A zone, a place or a file named ``ESC[31mRED`` (or with an OSC title sequence, or a line break) must not colour,
retitle or split what the CLI prints on stderr.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from geo.cli import EXIT_BAD_INPUT, main
from geo.cli._common import warnings_to_stderr
from geo.core.settings import get_settings
from geo.core.text import clean, terminal_text
from geo.data.datasets import load_incidents

HOSTILE = "\x1b[31mRED\x1b]0;pwned\x07\u202eevil\nsecond line\x9b2J"
CONTROLS = ("\x1b", "\x07", "\x9b", "\u202e")


def _no_controls(text: str) -> None:
    for ch in CONTROLS:
        assert ch not in text, (ch, text)


def test_terminal_text_keeps_lines_and_drops_escape_codes() -> None:
    assert terminal_text(HOSTILE) == "[31mRED]0;pwnedevil\nsecond line2J"
    assert terminal_text("progress\r10 rows\tok\n") == "progress\r10 rows\tok\n"
    assert clean(HOSTILE) == "[31mRED]0;pwnedevil second line2J"


def test_an_error_naming_a_hostile_file_is_one_clean_line(capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    code = main(["near", "--lat", "34.0", "--lon", "-118.3", "--incidents", f"/nonexistent/{HOSTILE}.csv"])
    err = capsys.readouterr().err
    assert code == EXIT_BAD_INPUT
    _no_controls(err)
    assert err.startswith("error: "), err
    assert err.count("\n") == 1, err
    assert "[31mRED" in err
    assert "second line" in err


def test_a_warning_from_data_is_one_clean_line(capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    with warnings_to_stderr() as seen:
        warnings.warn(f"zone {HOSTILE} has too few events", UserWarning, stacklevel=1)
    err = capsys.readouterr().err
    _no_controls(err)
    assert err.startswith("warning: zone [31mRED"), err
    assert err.count("\n") == 1, err
    assert seen == [f"zone {HOSTILE} has too few events"]  # what the command returns in its JSON is untouched


def test_zone_names_printed_on_stderr_carry_no_escape_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    west, south, east, north = load_incidents(get_settings().sources.incidents).total_bounds
    middle = (west + east) / 2
    zones = gpd.GeoDataFrame(
        {"name": [HOSTILE, "plain"]},
        geometry=[shapely.box(west - 0.01, south - 0.01, middle, north + 0.01),
                  shapely.box(middle, south - 0.01, east + 0.01, north + 0.01)],
        crs="EPSG:4326",
    )  # fmt: skip
    path = tmp_path / "zones.geojson"
    zones.to_file(path)
    capsys.readouterr()
    code = main(["zones", "--zones", str(path), "--key", "name", "--privacy", "internal"])
    out = capsys.readouterr()
    assert code == 0, out.err
    _no_controls(out.err)
    assert "[31mRED" in out.err
