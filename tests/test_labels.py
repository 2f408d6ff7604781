"""Layer titles, counting units, place labels and the source line (pure functions of metadata)."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import pytest
from shapely.geometry import Point, box

from geo.core.i18n import fmt_int
from geo.data.coverage import Coverage
from geo.data.labels import count_text, layer_title, layer_titles, layer_unit, place_labels, source_line, unit_word

LAPD_META = {
    "name": "lapd_csv-crime_data_from_2020_to_present__sample10k_ivanco19",
    "kind": "lapd_csv",
    "table": "incidents",
    "source": "lapd_legacy_csv",
    "url_or_file": "/x/Crime_Data_from_2020_to_Present__sample10k_Ivanco19.csv.gz",
    "date_from": "2020-01-01",
    "date_to": "2020-12-31",
    "rows_kept": 9987,
    "fetched_at": "2023-11-05T10:00:00+00:00",
    "unit": "incidents",
}


def test_titles_are_readable() -> None:
    assert layer_title(LAPD_META, "en") == "LAPD crime 2020-present (sample)"
    assert layer_title(LAPD_META, "es") == "Delitos del LAPD 2020-presente (muestra)"
    legacy = {**LAPD_META, "url_or_file": "Crime_Data_from_2010_to_2019.csv"}
    assert layer_title(legacy, "en") == "LAPD crime 2010-2019"
    cpad = {"name": "parks-x", "kind": "parks", "table": "places", "source": "cpad"}
    assert layer_title(cpad, "en") == "Parks - CPAD"
    assert layer_title(cpad, "es") == "Parques - CPAD"
    hp = {"source": "latimes_homicides", "url_or_file": "data/harvard_park_homicides.json", "table": "incidents"}
    assert layer_title(hp, "en") == "LA Times homicides - Harvard Park"
    assert layer_title({"synthetic": True}, "es") == "Incidentes sintéticos de demostración"


def test_two_layers_never_share_a_title() -> None:
    a: dict[str, Any] = {
        "name": "neighborhoods-a",
        "kind": "neighborhoods",
        "table": "places",
        "source": "latimes_boundaries",
    }
    entries = [{**a, "rows_kept": 114}, {**a, "name": "neighborhoods-b", "rows_kept": 270}, {**a, "name": "c"}]
    titles = layer_titles(entries, "en")
    assert len(set(titles.values())) == 3
    assert titles["neighborhoods-a"] == "Neighborhoods - LA Times (114 rows)"
    assert titles["c"].startswith("Neighborhoods - LA Times")


def test_units_in_both_languages() -> None:
    assert layer_unit({"source": "latimes_homicides"}) == "victims"
    assert layer_unit({"source": "lapd_legacy_csv"}) == "incidents"
    assert count_text(16, "victims", "en") == "16 people killed"
    assert count_text(1, "victims", "es") == "1 persona muerta"
    assert count_text(1200, "incidents", "en") == "1,200 incidents"
    assert unit_word("incidents", "es") == "incidentes"
    with pytest.raises(ValueError, match="unknown unit"):
        unit_word("cars", "en")


def test_source_line_parts() -> None:
    cov = Coverage(box(-118.7, 33.7, -118.1, 34.4), "lapd_divisions", area_name="City of Los Angeles")
    en = source_line(LAPD_META, "en", coverage=cov)
    assert en == (
        "Source: LAPD crime data, City of LA open data (file export) · Jan 1, 2020 to Dec 31, 2020 · "
        "9,987 incidents · retrieved Nov 5, 2023 · covers the City of Los Angeles (LAPD divisions)"
    )
    es = source_line(LAPD_META, "es")
    assert es.startswith("Fuente: Datos de delitos del LAPD")
    assert f"{fmt_int(9987, 'es')} incidentes" in es
    assert "del 1 ene 2020 al 31 dic 2020" in es
    guess = Coverage(box(0, 0, 1, 1), "points_hull", guess=True)
    assert "a guess" in source_line(LAPD_META, "en", coverage=guess)
    demo = {"synthetic": True, "incidents": 4116, "date_from": "2010-01-01", "date_to": "2024-12-21"}
    line = source_line(demo, "en")
    assert line.startswith("SYNTHETIC DEMO DATA")
    assert "4,116 incidents" in line
    assert "Source:" not in line


def test_place_labels_tell_repeated_names_apart() -> None:
    parks = gpd.GeoDataFrame(
        {
            "place_id": ["p1", "p2", "p3", "p4", "p4"],
            "name": ["South Park", "South Park", "Harvard Park", "South Park", "South Park"],
            "kind": ["park", "park", "park", "housing", "housing"],
            "approximate": True,  # the demo bundle's outlines: names alone, told apart where they repeat
        },
        geometry=[Point(0.5, 0.5), Point(1.5, 0.5), Point(0.2, 0.2), Point(0.6, 0.5), Point(0.6, 0.5)],
        crs="EPSG:4326",
    )
    areas = gpd.GeoDataFrame({"name": ["Watts", "Florence"]}, geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)], crs=4326)
    labels = place_labels(parks, "en", areas=areas)
    assert labels.tolist() == [
        "South Park (Park, Watts)",
        "South Park (Park, Florence)",
        "Harvard Park",
        "South Park (Public housing, Watts)",
        "South Park (Public housing, Watts)",
    ]
    es = place_labels(parks, "es", areas=areas)
    assert es.iloc[3] == "South Park (Vivienda pública, Watts)"
    twins = parks.iloc[[0, 0]].assign(place_id=["a", "b"])
    assert place_labels(twins, "en", areas=areas).is_unique


def test_every_real_place_shows_its_kind_and_where_it_is() -> None:
    """Places of real layers: the alias name first where it differs, then kind and neighbourhood, else the layer's
    own city, else the position."""
    parks = gpd.GeoDataFrame(
        {
            "place_id": ["park:1", "park:2", "park:3", "park:4"],
            "name": ["Jackie Tatum/Harvard Recreation Center", "Harvard Parkette", "Acton Park", "Lone Park"],
            "kind": ["park", "park", "park", "park"],
            "approximate": False,
            "CITY": [None, None, "Acton", ""],
        },
        geometry=[Point(0.2, 0.2), Point(1.5, 0.5), Point(5, 5), Point(7.25, 8.5)],
        crs="EPSG:4326",
    )
    areas = gpd.GeoDataFrame(
        {"name": ["Harvard Park", "Gardena"]}, geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)], crs=4326
    )
    assert place_labels(parks, "en", areas=areas).tolist() == [
        "Harvard Park · Jackie Tatum/Harvard Recreation Center (Park, Harvard Park)",
        "Harvard Parkette (Park, Gardena)",
        "Acton Park (Park, Acton)",
        "Lone Park (Park, 8.500, 7.250)",
    ]
    assert place_labels(parks, "es", areas=areas).iloc[1] == "Harvard Parkette (Parque, Gardena)"
