"""WDQ, WDD and difference-in-differences against worked examples; the full evaluation."""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from geo.analysis.did import did_monthly
from geo.analysis.evaluate import (
    Reading,
    default_start,
    evaluate_program,
    evaluation_error_text,
    reading_text,
    wdd,
    wdq,
)
from geo.core.errors import AnalysisError
from geo.core.projection import METRIC
from geo.core.settings import get_settings
from tests.analysis_helpers import ORIGIN, metric_points, square

X0, Y0 = ORIGIN
SPAN = {"data_start": "2013-01-01", "data_end": "2016-12-31"}


def evaluation_args(**chosen: object) -> dict[str, object]:
    """``evaluate_program``'s settings as configured (``distances.displacement_buffer_m``, ``analysis.min_events``,
    ``analysis.small_count``), with what a test chooses on top (``evaluation_args(buffer_m=400)``)."""
    settings = get_settings()
    configured = {
        "buffer_m": settings.distances.displacement_buffer_m,
        "min_events": settings.analysis.min_events,
        "small_count": settings.analysis.small_count,
    }
    return {**configured, **chosen}


def test_wdq_worked_example() -> None:
    # Ta/Ca - Tb/Cb = 60/190 - 100/200 = -7000/38000; Da/Ca - Db/Cb = 45/190 - 50/200 = -500/38000
    assert wdq(tb=100, ta=60, db=50, da=45, cb=200, ca=190) == pytest.approx(1 / 14)
    # displacement: the buffer got worse while the treated area improved
    assert wdq(tb=100, ta=60, db=50, da=70, cb=200, ca=200) == pytest.approx((70 / 200 - 50 / 200) / (60 / 200 - 0.5))
    assert wdq(tb=100, ta=60, db=50, da=70, cb=0, ca=200) is None
    assert wdq(tb=100, ta=100, db=5, da=7, cb=200, ca=200) is None  # no change: undefined


def test_wdd_worked_example() -> None:
    # (60 - 100) - (190 - 200) = -30; Var = 100 + 60 + 200 + 190 = 550
    res = wdd(tb=100, ta=60, cb=200, ca=190)
    assert res.estimate == -30
    assert res.se == pytest.approx(np.sqrt(550))
    assert res.low == pytest.approx(-30 - 1.959964 * 23.452079, abs=1e-4)
    assert res.high == pytest.approx(-30 + 1.959964 * 23.452079, abs=1e-4)
    assert res.p == pytest.approx(2 * (1 - 0.899575), abs=1e-4)  # z = 1.2792
    with pytest.raises(AnalysisError, match="count >= 0"):
        wdd(tb=-1, ta=0, cb=0, ca=0)


def test_did_estimate_and_hac_interval_equal_statsmodels() -> None:
    import statsmodels.api as sm

    # means: T before 12, after 7; C before 21, after 20 -> d = (7 - 12) - (20 - 21) = -4
    rng = np.random.default_rng(5)
    treated = np.r_[rng.poisson(12, 18), rng.poisson(7, 18)].astype(float)
    control = np.r_[rng.poisson(21, 18), rng.poisson(20, 18)].astype(float)
    post = np.arange(36) >= 18
    for lags in (None, 0, 3):
        res = did_monthly(treated, control, post, lags=lags)
        nlags = int(np.floor(4 * (36 / 100) ** (2 / 9))) if lags is None else lags
        x = sm.add_constant(post.astype(float))
        fit = sm.OLS(treated - control, x).fit(cov_type="HAC", cov_kwds={"maxlags": nlags, "use_correction": True})
        means = [v.mean() for v in (treated[~post], treated[post], control[~post], control[post])]
        assert res.estimate == pytest.approx((means[1] - means[0]) - (means[3] - means[2]))
        assert res.estimate == pytest.approx(fit.params[1])
        assert res.se == pytest.approx(fit.bse[1], rel=1e-9)
        low, high = fit.conf_int(alpha=0.05)[1]
        assert res.low == pytest.approx(low, rel=1e-9)
        assert res.high == pytest.approx(high, rel=1e-9)


def test_wdd_with_displacement_hand_worked() -> None:
    from geo.analysis.evaluate import wdd_displacement

    # treated 100 -> 70, comparison 200 -> 190, treated buffer 50 -> 60, comparison buffer 80 -> 70
    # local = (70 - 100) - (190 - 200) = -20; displacement = (60 - 50) - (70 - 80) = 20; total 0
    out = wdd_displacement(tb=100, ta=70, cb=200, ca=190, db=50, da=60, eb=80, ea=70)
    assert out.local.estimate == -20
    assert out.local.se == pytest.approx(np.sqrt(100 + 70 + 200 + 190))
    assert out.displacement.estimate == 20
    assert out.displacement.se == pytest.approx(np.sqrt(50 + 60 + 80 + 70))
    assert out.total.estimate == 0
    assert out.total.se == pytest.approx(np.sqrt(100 + 70 + 200 + 190 + 50 + 60 + 80 + 70))
    assert out.local.z == pytest.approx(-20 / np.sqrt(560))
    assert out.local.low == pytest.approx(-20 - 1.959963985 * np.sqrt(560))


def test_did_needs_two_months_each_side() -> None:
    with pytest.raises(AnalysisError, match="at least 2 months"):
        did_monthly([1, 2], [3, 4], [False, True])


def _scenario(before_t: int, after_t: int, *, seed: int = 0) -> tuple[gpd.GeoDataFrame, gpd.GeoSeries, gpd.GeoSeries]:
    """Treated 200 m square, control 200 m square 3 km away; 24 months each side of 2015-01-01."""
    rng = np.random.default_rng(seed)
    treated = gpd.GeoSeries([square(X0, Y0, 200)], crs=METRIC).to_crs("EPSG:4326")
    control = gpd.GeoSeries([square(X0 + 3000, Y0, 200)], crs=METRIC).to_crs("EPSG:4326")
    xy, dates = [], []

    def add(n: int, x: float, y: float, side: float, first: str, last: str) -> None:
        xy.extend(np.column_stack([rng.uniform(x, x + side, n), rng.uniform(y, y + side, n)]))
        span = pd.date_range(first, last, freq="D")
        dates.extend(rng.choice(span, size=n).astype("datetime64[D]").astype(str))

    add(before_t, X0 + 10, Y0 + 10, 180, "2013-01-01", "2014-12-31")
    add(after_t, X0 + 10, Y0 + 10, 180, "2015-01-01", "2016-12-31")
    add(120, X0 + 3010, Y0 + 10, 180, "2013-01-01", "2014-12-31")
    add(120, X0 + 3010, Y0 + 10, 180, "2015-01-01", "2016-12-31")
    add(40, X0 + 250, Y0 + 10, 100, "2013-01-01", "2014-12-31")  # buffer: 50-150 m east
    add(20, X0 + 250, Y0 + 10, 100, "2015-01-01", "2016-12-31")
    return metric_points(np.array(xy), dates=dates), treated, control


def test_evaluate_program_detects_a_planted_drop() -> None:
    inc, treated, control = _scenario(150, 60)
    res = evaluate_program(inc, treated, control, start="2015-01-01", **SPAN, **evaluation_args(buffer_m=400))
    assert res.months == 24
    assert res.before == ("2013-01-01", "2014-12-31")
    assert res.after == ("2015-01-01", "2016-12-31")
    assert {k: v for k, v in res.counts.items() if k[0] != "E"} == {
        "Tb": 150, "Ta": 60, "Db": 40, "Da": 20, "Cb": 120, "Ca": 120
    }  # fmt: skip
    assert res.parts is not None
    assert res.parts.local.estimate == (60 - 150) - (120 - 120)
    assert res.wdd.estimate == (60 - 150) - (120 - 120) + (20 - 40) - (res.counts["Ea"] - res.counts["Eb"])
    assert res.reading.key == "decrease"
    assert res.wdq == pytest.approx((20 / 120 - 40 / 120) / (60 / 120 - 150 / 120))
    assert res.displacement.key == "diffusion"
    assert res.did is not None
    assert res.did.estimate == pytest.approx((60 - 150) / 24)
    assert res.did.high < 0
    assert "decrease of 110" in res.text_en
    assert res.monthly["treated"].sum() == 210
    assert len(res.monthly) == 48
    data = res.to_dict()
    assert data["reading"] == {"key": "decrease", "params": res.reading.params}


def test_evaluate_program_no_change_and_too_few() -> None:
    inc, treated, control = _scenario(100, 104, seed=1)
    res = evaluate_program(inc, treated, control, start="2015-01-01", **SPAN, **evaluation_args())
    assert res.reading.key == "no_clear_change"
    assert "could be chance" in res.text_en
    inc, treated, control = _scenario(8, 5, seed=2)
    res = evaluate_program(inc, treated, control, start="2015-01-01", **SPAN, **evaluation_args(min_events=30))
    assert res.reading.key == "too_few_events"
    assert res.reading.params["n_treated"] == 13
    assert res.displacement.key == "not_applicable"
    assert res.text_en.startswith("Too few events to say: 13 incidents")


def test_evaluate_program_bad_input() -> None:
    inc, treated, control = _scenario(10, 10)
    with pytest.raises(AnalysisError, match="start must be a date"):
        evaluate_program(inc, treated, control, start="someday", **evaluation_args())
    with pytest.raises(AnalysisError, match="exceed the data"):
        evaluate_program(inc, treated, control, start="2015-01-01", **SPAN, months=40, **evaluation_args())
    with pytest.raises(AnalysisError, match="no whole month"):
        evaluate_program(inc, treated, control, start="2012-01-01", **evaluation_args())
    with pytest.raises(AnalysisError, match="entirely inside"):
        evaluate_program(inc, treated, treated, start="2015-01-01", **SPAN, **evaluation_args())


def test_reading_text_keys() -> None:
    assert reading_text(Reading("not_applicable")) == ""
    with pytest.raises(AnalysisError, match="unknown reading key"):
        reading_text(Reading("nope"))
    params = {"wdq": "0.4"}
    assert reading_text(Reading("diffusion", params), lang="en").startswith("The surrounding buffer also improved")
    assert reading_text(Reading("diffusion", params), lang="es").startswith("La zona vecina también mejoró")
    assert "WDQ 0.4" in reading_text(Reading("diffusion", params), lang="es")


def test_displacement_is_read_only_after_a_clear_decrease() -> None:
    from pathlib import Path

    from geo.data.datasets import load_incidents, load_places

    demo = Path(__file__).resolve().parents[1] / "data" / "demo"
    inc = load_incidents(demo / "incidents.parquet")
    places = load_places(demo / "places.geojson")
    park = places[(places["name"] == "Harvard Park") & (places["kind"] == "park")]
    control = places[places["name"].isin(["Jesse Owens Park", "Van Ness Recreation Center"])]
    result = evaluate_program(inc, park, control, start="2017-01-01", **evaluation_args(buffer_m=400))
    assert result.reading.key != "decrease"
    assert result.displacement.key == "not_applicable"
    assert result.displacement.params["reason"] == "no_clear_effect"
    assert result.wdq is not None  # the number is still reported; only the reading is withheld


@pytest.mark.parametrize("lang", ["en", "es"])
def test_small_and_zero_count_warnings_in_both_languages(lang: str) -> None:
    from geo.analysis.evaluate import count_warnings, warning_text

    counts = {"Tb": 40, "Ta": 35, "Db": 2, "Da": 5, "Cb": 0, "Ca": 12, "Eb": 50, "Ea": 60}
    warns = count_warnings(counts, small=10)
    assert [(w.key, w.params["area"]) for w in warns] == [("wdd.small_counts", "D"), ("wdd.zero_counts", "C")]
    text = warning_text(warns[0], lang)
    assert "2" in text
    assert "5" in text
    assert ("buffer" in text) if lang == "en" else ("amortiguación" in text)


@pytest.mark.parametrize("lang", ["en", "es"])
def test_every_evaluation_error_the_page_can_meet_is_said_in_the_pages_language(lang: str) -> None:
    """Raised in English for the command line; a Spanish page says them in Spanish, dates in its style."""
    inc, treated, control = _scenario(10, 10)
    raised = []
    for kwargs in ({"start": "2015-01-01", **SPAN, "months": 40}, {"start": "2012-01-01"}):
        with pytest.raises(AnalysisError) as info:
            evaluate_program(inc, treated, control, **kwargs, **evaluation_args())
        raised.append(str(info.value))
    with pytest.raises(AnalysisError) as info:
        evaluate_program(inc, treated, treated, start="2015-01-01", **SPAN, **evaluation_args())
    raised.append(str(info.value))
    said = [evaluation_error_text(e, lang) for e in raised]
    assert all(s != e for s, e in zip(said, raised, strict=True))  # each one known, none passed through
    if lang == "es":
        assert not any(word in s for s in said for word in ("the ", "months", "control places", "data"))
        assert "1 ene 2012" in said[1]  # the date in Spanish style
    assert evaluation_error_text("something new went wrong", lang) == (
        "something new went wrong" if lang == "en" else "los lugares y las fechas elegidos no permiten esta evaluación."
    )


def test_the_default_start_has_a_month_of_data_on_each_side() -> None:
    first, last = dt.date(2020, 1, 1), dt.date(2020, 12, 31)  # the LAPD 2020 extract's span
    assert default_start(dt.date(2020, 4, 1), first, last) == (dt.date(2020, 4, 1), True)
    start, as_wanted = default_start(dt.date(2017, 1, 1), first, last)  # the program began before the data
    assert (start, as_wanted) == (dt.date(2020, 7, 1), False)
    assert default_start(dt.date(2020, 1, 15), first, last)[1] is False  # less than a month before it
    assert default_start(None, first, last) == (dt.date(2020, 7, 1), False)
    short = default_start(dt.date(2017, 1, 1), dt.date(2020, 1, 10), dt.date(2020, 1, 20))[0]
    assert dt.date(2020, 1, 10) < short < dt.date(2020, 1, 20)  # under two months: the middle day


def test_the_default_start_evaluates_where_the_edge_of_the_data_could_not() -> None:
    inc, treated, control = _scenario(100, 90)
    first, last = dt.date(2013, 1, 1), dt.date(2016, 12, 31)
    with pytest.raises(AnalysisError, match="no whole month"):
        evaluate_program(
            inc, treated, control, start="2013-01-01", **evaluation_args()
        )  # the old default: clamped to the edge
    start, _ = default_start(dt.date(2010, 1, 1), first, last)
    res = evaluate_program(inc, treated, control, start=start.isoformat(), **evaluation_args())
    assert res.months >= 1


# --- the formulas and the reading's thresholds, at their edges ------------------------------------------------


def test_wdq_is_the_buffer_change_over_the_treated_change_both_against_the_comparison() -> None:
    from geo.analysis.evaluate import wdq

    # (Da/Ca - Db/Cb) / (Ta/Ca - Tb/Cb) = (9/25 - 6/20) / (4/25 - 10/20) = 0.06 / -0.34
    assert wdq(tb=10, ta=4, db=6, da=9, cb=20, ca=25) == pytest.approx(0.06 / -0.34)
    assert wdq(tb=10, ta=5, db=6, da=9, cb=20, ca=10) is None  # no relative change in the treated area
    assert wdq(tb=10, ta=4, db=6, da=9, cb=0, ca=25) is None


@pytest.mark.parametrize(
    ("q", "key"),
    [(1.5, "diffusion_greater"), (1.0, "diffusion"), (0.2, "diffusion"), (0.0, "no_displacement"),
     (-0.5, "displacement"), (-1.0, "displacement"), (-1.5, "displacement_greater")],
)  # fmt: skip
def test_displacement_reading_thresholds(q: float, key: str) -> None:
    from geo.analysis.evaluate import Reading, _read_displacement

    counts = {"Tb": 20, "Ta": 5, "Cb": 20, "Ca": 20, "Db": 6, "Da": 9}  # the treated share fell: 5/20 < 20/20
    assert _read_displacement(counts, q, Reading("decrease", {})).key == key


def test_displacement_needs_a_relative_decrease() -> None:
    from geo.analysis.evaluate import Reading, _read_displacement

    # Ta/Ca = 5/10 rose from Tb/Cb = 4/10: no relative decrease, whatever the WDQ says
    rose = {"Tb": 4, "Ta": 5, "Cb": 10, "Ca": 10, "Db": 6, "Da": 9}
    assert _read_displacement(rose, 0.5, Reading("decrease", {})).params == {"reason": "no_relative_decrease"}
    fell = {"Tb": 6, "Ta": 5, "Cb": 10, "Ca": 10, "Db": 6, "Da": 9}
    assert _read_displacement(fell, 0.5, Reading("decrease", {})).key == "diffusion"
