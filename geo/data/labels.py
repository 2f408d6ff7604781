"""Readable names for people: layer titles, place labels for pickers, counting units, the source line.

Pure functions of a layer's metadata (the store's ``safetymap`` metadata, a :func:`store_inventory`
entry, or the demo bundle's metadata) and the language; nothing here reads files. File slugs are
never shown: a layer is titled from its source, kind and file (``"LAPD crime 2020-present (sample)"``,
``"Parks - CPAD"``), and :func:`layer_titles` makes titles unique within a store.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from geo.core.categories import PER_VICTIM_SOURCES
from geo.core.errors import DataError
from geo.core.i18n import catalog, fmt_date, fmt_int, t
from geo.core.projection import METRIC, WGS84
from geo.data.aliases import Aliases, default_aliases, name_key
from geo.data.coverage import Coverage, source_area
from geo.data.ownplaces import OWN_ID
from geo.data.sources import UNIT_INCIDENTS, UNIT_VICTIMS

UNITS = (UNIT_INCIDENTS, UNIT_VICTIMS)
_LAPD_SPAN = re.compile(r"from_(\d{4})_to_(present|\d{4})")


def _text(key: str, lang: str, fallback: str, **params: object) -> str:
    return t(key, lang, **params) if key in catalog(lang) else fallback


def layer_unit(meta: Mapping[str, Any]) -> str:
    """What one row of an incident layer counts: ``victims`` (LA Times) or ``incidents``."""
    unit = meta.get("unit")
    if unit in UNITS:
        return str(unit)
    return UNIT_VICTIMS if meta.get("source") in PER_VICTIM_SOURCES else UNIT_INCIDENTS


def unit_word(unit: str, lang: str, *, count: int | None = None) -> str:
    """``"people killed"``/``"personas muertas"`` for victims, ``"incidents"``/``"incidentes"`` else.

    With ``count == 1`` the singular (``"person killed"``, ``"incident"``).
    """
    if unit not in UNITS:
        msg = f"unknown unit {unit!r}; expected one of {list(UNITS)}"
        raise DataError(msg)
    number = "one" if count == 1 else "many"
    return t(f"unit.{unit}.{number}", lang)


def count_text(count: int, unit: str, lang: str) -> str:
    """``"16 people killed"``, ``"1 incidente"``: a count with its unit, formatted for ``lang``."""
    return f"{fmt_int(count, lang)} {unit_word(unit, lang, count=count)}"


def _file_name(meta: Mapping[str, Any]) -> str:
    return Path(str(meta.get("url_or_file") or "")).name.lower()


def _years(meta: Mapping[str, Any]) -> tuple[str | None, str | None]:
    a, b = meta.get("date_from"), meta.get("date_to")
    return (str(a)[:4] if a else None, str(b)[:4] if b else None)


def _span(meta: Mapping[str, Any], lang: str) -> str:
    match = _LAPD_SPAN.search(_file_name(meta))
    if match:
        start, end = match.groups()
    else:
        start, end = _years(meta)
        if start is None:
            return ""
    if end == "present":
        return t("layer.span.present", lang, start=start)
    return start if end in (None, start) else t("layer.span.years", lang, start=start, end=end)


def layer_title(meta: Mapping[str, Any], lang: str) -> str:
    """A readable title of a layer for pickers and legends (never the file slug).

    Examples: ``"LAPD crime 2020-present (sample)"``, ``"LA Times homicides - Harvard Park"``,
    ``"Parks - CPAD"``, ``"Public housing - HUD"``, ``"Synthetic demo incidents"``.
    """
    if meta.get("synthetic"):
        return t("layer.title.demo", lang)
    source = str(meta.get("source") or "")
    kind = str(meta.get("kind") or "")
    if meta.get("table") == "places" or kind in PLACE_TITLE_KINDS:
        what = _text(f"layer.kind.{kind}", lang, kind.replace("_", " ").capitalize())
        src = source.removeprefix("file:")
        by = _text(f"source.short.{source}", lang, Path(src).stem.replace("_", " ") or src)
        return t("layer.title.places", lang, what=what, source=by)
    if source.startswith("lapd_nibrs"):
        title = t("layer.title.nibrs", lang, span=_span(meta, lang)).strip()
    elif source.startswith("lapd_"):
        title = t("layer.title.lapd", lang, span=_span(meta, lang)).strip()
    elif source == "latimes_homicides":
        area = source_area(meta)
        title = t("layer.title.latimes_area", lang, area=area) if area else t("layer.title.latimes", lang)
    elif source == "latimes_police_killings":
        title = t("layer.title.police_killings", lang)
    else:
        title = _text(f"source.name.{source}", lang, source or str(meta.get("name") or "?"))
    if "sample" in _file_name(meta):
        title = t("layer.title.sample", lang, title=title)
    return title


PLACE_TITLE_KINDS = (
    "parks",
    "housing",
    "stations",
    "divisions",
    "reporting_districts",
    "neighborhoods",
    "council_districts",
    "bureaus",
    "csp_sites",
)
"""Ingest kinds of place layers (titled "<what> - <source>")."""


def layer_titles(entries: Sequence[Mapping[str, Any]], lang: str) -> dict[str, str]:
    """Unique titles for the layers of a store (``name`` -> title), in the order given.

    Layers whose titles clash are told apart by their row count (``"Neighborhoods - LA Times (114)"``),
    then by their order (``"#2"``).
    """
    base = {str(e["name"]): layer_title(e, lang) for e in entries}
    out: dict[str, str] = {}
    for entry in entries:
        name, title = str(entry["name"]), base[str(entry["name"])]
        if sum(v == title for v in base.values()) > 1 and entry.get("rows_kept") is not None:
            title = t("layer.title.rows", lang, title=title, rows=fmt_int(int(entry["rows_kept"]), lang))
        out[name] = title
    seen: dict[str, int] = {}
    for name, title in list(out.items()):
        seen[title] = seen.get(title, 0) + 1
        if seen[title] > 1:
            out[name] = f"{title} #{seen[title]}"
    return out


def _date(value: object, lang: str) -> str | None:
    if not value:
        return None
    try:
        return fmt_date(dt.date.fromisoformat(str(value)[:10]), lang)
    except ValueError:
        return None


def coverage_text(coverage: Coverage, lang: str) -> str:
    """``"City of Los Angeles (LAPD divisions)"``, ``"LA Times neighborhood Harvard Park"``, or the guess."""
    if coverage.method == "points_hull":
        return t("coverage.points_hull", lang)
    return t(f"coverage.{coverage.method}", lang, area=coverage.area_name or "")


def source_line(meta: Mapping[str, Any], lang: str, *, coverage: Coverage | None = None) -> str:
    """The line every page and export shows under its data: which data these are.

    Source name, date span, row count with its unit, the date retrieved (fetched, or the file saved:
    not the latest record, which the span ends with), coverage; for the demo bundle the synthetic
    notice instead of a source name.

    Parameters
    ----------
    meta
        Layer metadata (store metadata or inventory entry; the demo bundle's metadata).
    lang
        ``"en"`` or ``"es"``.
    coverage
        The layer's :class:`~geo.data.coverage.Coverage`, if known.
    """
    parts: list[str] = []
    if meta.get("synthetic"):
        parts.append(t("banner.synthetic_short", lang))
    else:
        source = str(meta.get("source") or "")
        name = _text(f"source.name.{source}", lang, layer_title(meta, lang))
        parts.append(t("sourceline.source", lang, name=name))
    start, end = _date(meta.get("date_from"), lang), _date(meta.get("date_to"), lang)
    if start and end:
        parts.append(t("sourceline.span", lang, start=start, end=end))
    rows = meta.get("rows_kept", meta.get("incidents"))
    if rows is not None:
        parts.append(count_text(int(rows), layer_unit(meta), lang))
    as_of = _date(meta.get("fetched_at"), lang)
    if as_of and not meta.get("synthetic"):
        parts.append(t("sourceline.as_of", lang, date=as_of))
    if coverage is not None:
        parts.append(t("sourceline.coverage", lang, area=coverage_text(coverage, lang)))
    return " · ".join(parts)


CITY_COLUMNS = ("city", "CITY", "City")
"""A place layer's own city column (the County's park facilities), read where no area polygon holds the place."""


def _area_names(places: gpd.GeoDataFrame, areas: gpd.GeoDataFrame | None) -> pd.Series:
    """Where each place is: the ``areas`` polygon holding it, else its own city column, else its position."""
    points = places.to_crs(METRIC).geometry.representative_point().to_crs(WGS84)
    named = pd.Series(None, index=places.index, dtype="object")
    if areas is not None and len(areas) and "name" in areas.columns:
        pts = gpd.GeoDataFrame({"_i": range(len(points))}, geometry=points.to_numpy(), crs=WGS84)
        joined = gpd.sjoin(pts, areas[["name", "geometry"]].to_crs(WGS84), how="left", predicate="within")
        first = joined.drop_duplicates("_i").sort_values("_i")["name"]
        named = pd.Series(first.to_numpy(), index=places.index, dtype="object")
    for col in (c for c in CITY_COLUMNS if c in places.columns):
        city = places[col].astype("string").str.strip()
        named = named.where(named.notna() & (named.astype(str) != ""), city.where(city != "").astype("object"))
    where = [f"{p.y:.3f}, {p.x:.3f}" for p in points]
    blank = named.isna() | (named.astype(str).str.strip() == "")
    return named.where(~blank, pd.Series(where, index=places.index)).astype(str)


def _real(places: gpd.GeoDataFrame) -> bool:
    """Whether the table holds places of real layers (not only the demo bundle's approximate outlines)."""
    if "approximate" not in places.columns:
        return True
    return not bool(places["approximate"].fillna(False).astype(bool).all())


def place_labels(
    places: gpd.GeoDataFrame, lang: str, *, areas: gpd.GeoDataFrame | None = None, aliases: Aliases | None = None
) -> pd.Series:
    """One label per place for pickers and for naming a place on the command line.

    Places of real layers each show their kind and where they are: ``"Harvard Park · Jackie Tatum / Harvard
    Recreation Center (Park, Harvard Park)"``. The name the alias table gives the place (``aliases``, default
    the committed table) comes first where it differs from the place's own name, so typing the common name
    finds it; the area is the polygon of ``areas`` (neighbourhoods, ``name`` column) holding the place, else
    the place's own city column (``CITY``), else its position (``"33.996, -118.269"``). The demo bundle's
    approximate places keep their names, told apart by kind and area only where names repeat. Labels that
    are still equal get the ``place_id``; rows with the same ``place_id`` share a label.

    Returns
    -------
    pandas.Series
        Text, indexed like ``places``.
    """
    own = places["place_id"].astype(str).str.startswith(OWN_ID) if "place_id" in places.columns else None
    if own is not None and own.any():  # a person's own place is called by the name they gave it
        others = place_labels(places[~own], lang, areas=areas, aliases=aliases)
        mine: pd.Series[str] = places.loc[own, "name"].astype(str)
        return pd.Series(pd.concat([others, mine]).reindex(places.index), dtype="string").astype(str)
    names: pd.Series[str] = places["name"].astype(str)
    ids = places["place_id"].astype(str) if "place_id" in places.columns else pd.Series(places.index.astype(str))
    ids.index = places.index
    distinct = pd.DataFrame({"name": names, "id": ids}).drop_duplicates()
    repeated = set(distinct["name"][distinct["name"].duplicated(keep=False)])
    labels = names.copy()
    detail = names.isin(repeated)
    if _real(places):
        al = aliases or default_aliases()
        canonical = names.map(al.canonical_name).astype(str)
        other = (canonical.map(name_key) != names.map(name_key)).to_numpy()
        labels[other] = canonical[other] + " · " + names[other]
        detail = pd.Series(True, index=places.index)
    if detail.any():
        kinds = places.loc[detail, "kind"].astype(str).map(lambda k: _text(f"place_kind.{k}", lang, k))
        area = _area_names(places.loc[detail], areas)
        labels[detail] = labels[detail] + " (" + kinds + ", " + area + ")"
        clash = pd.DataFrame({"label": labels, "id": ids}).drop_duplicates()
        again = set(clash["label"][clash["label"].duplicated(keep=False)])
        more = labels.isin(again)
        labels[more] = labels[more].str.removesuffix(")") + ", " + ids[more] + ")"
    return labels
