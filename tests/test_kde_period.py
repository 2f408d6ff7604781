"""Heat per year of the period chosen, and no heat over too few events (issue 27, case 3): the library, the
dashboard path (``ui.analysis.heat``, the Map page's notes) and the command line."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pytest

from geo.analysis.kde import configured_kde, kde, period_years
from geo.core.filters import Filters, apply
from geo.core.settings import AnalysisSettings
from tests.analysis_helpers import ORIGIN, metric_points
from tests.conftest import shared_file

X0, Y0 = ORIGIN
Y2016 = (dt.date(2016, 1, 1), dt.date(2016, 12, 31))


def _integral_per_year(result: object) -> float:
    return float(result.density.sum() * result.grid.area_m2 / 1e6)  # type: ignore[attr-defined]


def _eight_in_2016() -> object:
    """Eight events from March to mid-October 2016: 0.62 years of events in a year chosen."""
    rng = np.random.default_rng(4)
    xy = np.column_stack([X0 + rng.normal(0, 300, 8), Y0 + rng.normal(0, 300, 8)])
    days = [
        "2016-03-01",
        "2016-04-10",
        "2016-05-02",
        "2016-06-20",
        "2016-07-04",
        "2016-08-30",
        "2016-09-09",
        "2016-10-15",
    ]
    return metric_points(xy, dates=days)


def test_density_per_year_of_the_period_chosen() -> None:
    inc = _eight_in_2016()
    res = kde(inc, analysis=AnalysisSettings(), start=Y2016[0], end=Y2016[1])
    assert res.years == pytest.approx(366 / 365.25)
    assert res.years_from == "period"
    assert res.period == ("2016-01-01", "2016-12-31")
    # the surface holds the events per year of 2016: 8 / 1.002, not 8 / 0.62
    assert _integral_per_year(res) == pytest.approx(8 / (366 / 365.25), rel=0.01)
    spanned = kde(inc, analysis=AnalysisSettings())
    assert spanned.years_from == "events"
    assert spanned.years == pytest.approx(229 / 365.25)
    assert _integral_per_year(spanned) == pytest.approx(8 / (229 / 365.25), rel=0.01)
    described = res.describe()
    assert (described["years"], described["years_from"], described["period_start"]) == (1.002, "period", "2016-01-01")


def test_period_years_inclusive_and_one_open_end() -> None:
    inc = _eight_in_2016()
    assert period_years(inc, dt.date(2016, 7, 1), dt.date(2016, 7, 31))[0] == pytest.approx(31 / 365.25)
    years, source, period = period_years(inc, dt.date(2016, 1, 1), None)  # to the last event
    assert (source, period) == ("period", ("2016-01-01", "2016-10-15"))
    assert years == pytest.approx(289 / 365.25)


def test_no_heat_below_the_configured_minimum_of_events() -> None:
    inc = _eight_in_2016()
    heat = configured_kde(inc, AnalysisSettings(kde_min_events=10), start=Y2016[0], end=Y2016[1])
    assert heat.result is None
    assert heat.notes == ({"key": "kde.too_few", "params": {"n": 8, "min": 10}},)
    assert heat.describe()["drawn"] is False
    drawn = configured_kde(inc, AnalysisSettings(kde_min_events=8), start=Y2016[0], end=Y2016[1])
    assert drawn.result is not None
    assert drawn.describe()["drawn"] is True
    assert drawn.notes[0]["key"] == "kde.period_chosen"
    assert _integral_per_year(drawn.result) == pytest.approx(8 / (366 / 365.25), rel=0.01)


def test_the_dashboard_heat_divides_by_the_filters_period_and_refuses_few_events() -> None:
    from geo.core.settings import get_settings
    from ui import analysis

    s = get_settings()
    path = s.sources.incidents
    contours, info = analysis.heat(path, Filters(start=Y2016[0], end=Y2016[1]), s.analysis)
    assert info["drawn"] is True
    assert len(contours)
    assert info["years"] == pytest.approx(366 / 365.25, abs=1e-3)
    assert info["years_from"] == "period"
    assert info["period_end"] == "2016-12-31"
    few = Filters(start=dt.date(2016, 7, 1), end=dt.date(2016, 7, 31), categories=("homicide",))
    n = analysis.count(path, few)
    assert 0 < n < s.analysis.kde_min_events
    contours, info = analysis.heat(path, few, s.analysis)
    assert info["drawn"] is False
    assert len(contours) == 0
    assert info["notes"] == [{"key": "kde.too_few", "params": {"n": n, "min": s.analysis.kde_min_events}}]


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_map_page_notes_say_the_period_or_why_no_heat(lang: str) -> None:
    from geo.core.settings import get_settings
    from ui.mapview import map_document, map_view

    s = get_settings()
    few = Filters(start=dt.date(2016, 7, 1), end=dt.date(2016, 7, 31), categories=("homicide",))
    first = "Jan 1, 2016" if lang == "en" else "1 ene 2016"
    for f, wanted in ((Filters(start=Y2016[0], end=Y2016[1]), (first, "1.00")), (few, ("10",))):
        view = map_view(s, f, layers=("kde",), zones=(), public=False, lang=lang, tiles=False, synthetic=True)
        notes = " ".join(map_document(view, s).notes)
        assert all(w in notes for w in wanted), notes
        key = "Heat per year of the period chosen" if lang == "en" else "Calor por año del período elegido"
        none = "Heat not drawn" if lang == "en" else "Calor no dibujado"
        assert (key in notes) == (f is not few)
        assert (none in notes) == (f is few)


def _cli(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, object]:
    from geo.cli import main

    assert main(list(argv)) == 0
    out = capsys.readouterr().out
    return dict(json.loads(out))


def test_the_command_line_divides_by_from_to_and_refuses_few_events(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    dest = str(tmp_path / "kde.geojson")
    year = _cli(capsys, "hotspots", "--method", "kde", "--from", "2016-01-01", "--to", "2016-12-31", "--out", dest)
    assert year["years"] == 1.002
    assert year["years_from"] == "period"
    assert year["drawn"] is True
    period = "Heat per year of the period chosen, Jan 1, 2016 to Dec 31, 2016 (1.00 years)."
    assert period in year["warnings"]  # type: ignore[operator]
    few = _cli(
        capsys, "hotspots", "--method", "kde", "--category", "homicide", "--from", "2016-07-01", "--to", "2016-07-31",
        "--out", dest,
    )  # fmt: skip
    assert few["features"] == 0
    assert few["drawn"] is False
    assert any("Heat not drawn" in w for w in few["warnings"])  # type: ignore[attr-defined]
    assert json.loads(Path(dest).read_text())["features"] == []


@pytest.mark.realdata
def test_la_times_calendar_2016_is_eight_deaths_per_year() -> None:
    """The issue's figure: calendar 2016 was read as 0.799 years, so the surface held 10.0 deaths a year for 8."""
    from geo.data.ingest import incidents_from_path

    inc = incidents_from_path(shared_file("latimes", "harvard_park_homicides.json"))
    sub = apply(inc, Filters(start=Y2016[0], end=Y2016[1]))
    assert len(sub) == 8
    res = kde(sub, analysis=AnalysisSettings(), start=Y2016[0], end=Y2016[1])
    assert _integral_per_year(res) == pytest.approx(8 / (366 / 365.25), rel=0.01)
    july = (dt.date(2016, 7, 1), dt.date(2016, 7, 31))
    heat = configured_kde(
        apply(inc, Filters(start=july[0], end=july[1])), AnalysisSettings(), start=july[0], end=july[1]
    )
    assert heat.result is None
    assert heat.notes[0]["key"] == "kde.too_few"
