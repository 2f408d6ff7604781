"""Text alternatives and mouse-free stop picking: intersections typed in, figures told in words and numbers."""

from __future__ import annotations

import math

import networkx as nx
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from geo.core.disclosure import Disclosure
from geo.core.errors import AnalysisError, DataError
from geo.core.i18n import catalog, fmt_int
from geo.patrol.intersection import find_intersection, lookup_intersection, nearest_where, street_key
from tests.page_helpers import html_bodies, html_tables
from ui.trend_text import heat_alternative, trend_alternative

# A small grid, degrees (EPSG:4326): two north-south avenues crossed by two east-west streets.
#   node ids r*10 + c; rows are streets (north to south), columns avenues (west to east)
AVENUES = {0: ("Western Ave", -118.309), 1: ("Normandie Ave", -118.300)}
STREETS = {0: ("W 62nd St", 33.9825), 1: ("W 63rd St", 33.9800)}


def _grid() -> nx.MultiDiGraph:
    g = nx.MultiDiGraph(crs="EPSG:4326")
    for r, (_, lat) in STREETS.items():
        for c, (_, lon) in AVENUES.items():
            g.add_node(r * 10 + c, x=lon, y=lat)
    for r, (name, _) in STREETS.items():
        g.add_edge(r * 10, r * 10 + 1, name=name, length=800.0)
        g.add_edge(r * 10 + 1, r * 10, name=name, length=800.0)
    for c, (name, _) in AVENUES.items():
        g.add_edge(c, 10 + c, name=name, length=280.0)
        g.add_edge(10 + c, c, name=name, length=280.0)
    g.add_node(99, x=-118.320, y=33.990)  # a node no named street reaches
    return g


@pytest.mark.parametrize(
    ("typed", "node"),
    [
        ("Western Ave & W 62nd St", 0),
        ("western avenue and 62nd street", 0),  # case, long forms, no direction prefix
        ("W. 63rd St. / Normandie Ave.", 11),
        ("Normandie Avenida y Oeste 62nd Calle", 1),  # the Spanish joiner and words
        ("63rd St at Western", None),  # "Western" alone is not a street of the network
    ],
)
def test_a_typed_intersection_finds_the_node_where_both_streets_meet(typed: str, node: int | None) -> None:
    g = _grid()
    res = lookup_intersection(g, typed)
    if node is None:
        assert res.found is None
        assert res.problem == "street"
        assert res.street == "Western"
        return
    assert res.found is not None, res
    assert res.found.node == node
    assert (res.found.lat, res.found.lon) == (g.nodes[node]["y"], g.nodes[node]["x"])
    assert set(res.found.where.split(" & ")) == {
        AVENUES[node % 10][0],
        STREETS[node // 10][0],
    }


def test_an_intersection_that_does_not_exist_says_why() -> None:
    g = _grid()
    apart = lookup_intersection(g, "Western Ave & Normandie Ave")
    assert apart.found is None
    assert apart.problem == "apart"
    assert apart.streets == ("Western Ave", "Normandie Ave")
    unknown = lookup_intersection(g, "Western Ave & Foo St")
    assert unknown.problem == "street"
    assert unknown.street == "Foo St"
    assert lookup_intersection(g, "Western Ave").problem == "format"
    with pytest.raises(AnalysisError, match="do not meet"):
        find_intersection(g, "Western Ave & Normandie Ave")
    with pytest.raises(AnalysisError, match="no street named 'Foo St'"):
        find_intersection(g, "Foo St & Western Ave")


def test_every_problem_has_a_message_in_both_languages() -> None:
    for lang in ("en", "es"):
        for problem in ("format", "street", "apart"):
            assert f"rp.street_{problem}" in catalog(lang)


def test_street_keys_ignore_case_punctuation_and_long_forms() -> None:
    assert street_key("W. 62nd Street") == street_key("w 62nd st") == ("w", "62nd", "st")
    assert street_key("Avalon Boulevard") == ("avalon", "blvd")


def test_nearest_streets_are_those_of_the_closest_named_node() -> None:
    g = _grid()
    points = [(33.9824, -118.3088), (33.9801, -118.3003), (33.9901, -118.3199)]

    def metres(lat1: float, lon1: float, lat2: float, lon2: float) -> float:  # haversine, R = 6371 km
        p1, p2 = math.radians(lat1), math.radians(lat2)
        a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
        return 2 * 6_371_000 * math.asin(math.sqrt(a))

    named = [n for n in g.nodes if n != 99]
    got = nearest_where(g, points)
    for (lat, lon), where in zip(points, got, strict=True):
        near = min(named, key=lambda n: metres(lat, lon, g.nodes[n]["y"], g.nodes[n]["x"]))
        assert where is not None
        assert set(where.split(" & ")) == {AVENUES[near % 10][0], STREETS[near // 10][0]}
    assert nearest_where(g, []) == []


def _series() -> pd.DataFrame:
    rows = []
    for place, counts in {"Harvard Park": [3, 7, 2], "Jesse Owens Park": [5, 1, 4]}.items():
        for month, n in zip(("2023-01-01", "2023-02-01", "2023-03-01"), counts, strict=True):
            rows.append({"place": place, "period_start": pd.Timestamp(month), "count": n})
    return pd.DataFrame(rows)


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_trend_alternative_has_the_charts_numbers(lang: str) -> None:
    series = _series()
    shown = Disclosure(3, public=False).column(series, lang=lang, by="place")
    sentence, table = trend_alternative(shown, freq="month", distance_m=400, lang=lang)
    period = catalog(lang)["trends.col_period"]
    assert list(table.columns) == [period, "Harvard Park", "Jesse Owens Park"]
    assert list(table[period]) == ["2023-01", "2023-02", "2023-03"]
    for place in ("Harvard Park", "Jesse Owens Park"):
        assert list(table[place]) == [fmt_int(n, lang) for n in series.loc[series["place"] == place, "count"]]
    # the busiest month is named with its count: Harvard Park, 2023-02, 7
    assert "Harvard Park, 2023-02" in sentence
    assert "7" in sentence
    assert "400" in sentence
    assert "2023-01" in sentence
    assert "2023-03" in sentence
    assert ("7 incidents" if lang == "en" else "7 incidentes") in sentence
    # a per-victim layer (LA Times) counts people killed, not incidents
    killed, _ = trend_alternative(shown, freq="month", distance_m=400, lang=lang, unit="victims")
    assert ("people killed" if lang == "en" else "personas muertas") in killed
    assert ("incident" not in killed) if lang == "en" else ("incidente" not in killed)
    with pytest.raises(DataError):
        trend_alternative(shown.iloc[0:0], freq="month", distance_m=400, lang=lang)
    with pytest.raises(DataError):
        trend_alternative(shown, freq="week", distance_m=400, lang=lang)
    with pytest.raises(DataError, match="lacks"):
        trend_alternative(series, freq="month", distance_m=400, lang=lang)  # not protected: no labels


def test_the_trend_alternative_names_no_busiest_period_among_hidden_counts() -> None:
    series = _series()
    series["count"] = [1, 2, 1, 0, 1, 2][: len(series)]
    shown = Disclosure(3, public=True).column(series, lang="en", by="place")
    sentence, table = trend_alternative(shown, freq="month", distance_m=400, lang="en")
    assert "too small to name the busiest" in sentence
    assert not set(table.iloc[:, 1:].to_numpy().ravel()) & {"1", "2"}


def test_the_heat_alternative_names_the_busiest_hour_and_day() -> None:
    table = pd.DataFrame(
        0, index=pd.RangeIndex(24, name="Hora"), columns=["lun", "mar", "mié", "jue", "vie", "sáb", "dom"]
    )
    table.loc[21, "dom"] = 9
    table.loc[3, "lun"] = 4
    sentence, out = heat_alternative(table, lang="es", rule=Disclosure(3, public=True), day_names={"dom": "domingo"})
    assert "21:00" in sentence
    assert "dom" in sentence
    assert "9" in sentence
    assert list(out.columns) == ["Hora", *table.columns]
    assert out["Hora"].tolist() == list(range(24))
    assert out.loc[21, "dom"] == "9"
    assert out.loc[3, "lun"] == "4"
    table.loc[5, "mar"] = 1  # beside a total of 14, the 1 and the 4 are hidden
    sentence, out = heat_alternative(table, lang="en", rule=Disclosure(3, public=True))
    assert out.loc[5, "mar"] == "fewer than 3"
    assert out.loc[3, "lun"] == "withheld"
    assert "too small to name the busiest hour" in sentence  # a withheld count could be the largest


def _alt_page() -> None:
    import pandas as pd

    from ui.alt import text_alternative

    text_alternative(
        "Two <b>stops</b> & a loop",
        pd.DataFrame({"Order": [1, 2], "Where": ["=cmd()", "Main St"]}),
        key="t_alt", file_name="stops", lang="es", expanded=True,
    )  # fmt: skip


def test_the_text_alternative_writes_the_sentence_the_table_and_a_csv() -> None:
    at = AppTest.from_function(_alt_page, default_timeout=30).run()
    assert not at.exception
    html = html_bodies(at)
    assert any("Two &lt;b&gt;stops&lt;/b&gt; &amp; a loop" in v for v in html), html  # plain text, not markup
    assert at.expander[0].label == catalog("es")["alt.table"].format(rows=2)
    (frame,) = html_tables(at)
    assert list(frame["Where"]) == ["=cmd()", "Main St"]
    assert list(frame["Order"]) == ["1", "2"]
    assert '<th scope="col">Where</th>' in html[1]
    assert "<caption>Two &lt;b&gt;stops&lt;/b&gt; &amp; a loop</caption>" in html[1]


def test_the_text_alternative_refuses_what_is_not_a_table() -> None:
    from ui.alt import text_alternative

    with pytest.raises(DataError):
        text_alternative("x", [1, 2], key="k", file_name="f", lang="en")


def test_map_alternative_counts_categories_and_hides_small_counts_in_public() -> None:
    import pandas as pd

    from ui.trend_text import map_alternative

    view = pd.Series({"robbery": 5, "homicide": 2, "arson": 0})  # counts by category key, as ui.analysis gives
    public, internal_rule = Disclosure(3, public=True), Disclosure(3, public=False)
    sentence, table = map_alternative(view, lang="en", place="Harvard Park", within="4", rule=public)
    counts = dict(zip(table.iloc[:, 0], table.iloc[:, 1], strict=True))
    assert counts == {"Homicide": "fewer than 3", "Robbery": "withheld"}  # 7 - 5 would give the 2 back
    assert "7 incidents" in sentence
    killed, _ = map_alternative(view, lang="en", place=None, within=None, rule=internal_rule, unit="victims")
    assert "7 people killed" in killed
    assert "Harvard Park: 4" in sentence
    _, internal = map_alternative(view, lang="es", place=None, within=None, rule=internal_rule)
    assert list(internal.iloc[:, 1]) == ["2", "5"]


def test_map_page_offers_a_text_alternative_in_both_languages() -> None:
    from pathlib import Path

    from streamlit.testing.v1 import AppTest

    from geo.core.i18n import t

    for lang in ("en", "es"):
        at = AppTest.from_file(str(Path(__file__).resolve().parents[1] / "app.py"), default_timeout=180)
        at.query_params["lang"] = lang
        at.run()
        assert not at.exception
        bodies = html_bodies(at)
        assert any(t("alt.map.sentence", lang, n="", what="")[:12] in b for b in bodies), bodies[:10]
