"""Population from a table keyed by an id (a tract's GEOID, a neighbourhood's name) plus a geometry file.

``python -m geo ingest TABLE --geometry AREAS --key GEOID10=GEOID --total total_pop --group B=pct_black%
--vintage "ACS 2013-2017"`` reads a CSV (``.csv``, ``.csv.gz``, ``.txt``) or a JSON array of records and a
polygon file (GeoJSON, shapefile, GeoPackage, GeoParquet; any declared CRS, stored in EPSG:4326) and joins
them on the key. Columns become the population layer's count columns, named as the rates read them
(:data:`geo.data.sources.census.GROUP_COLUMNS`): ``--total`` gives ``population``; ``--group CODE=COLUMN`` a
group named like the victim filters' codes (``B`` or ``descent_B``, ``F`` or ``sex_F``, ``18-24`` or
``age_18-24``). A column ending in ``%`` is a share in percent of the total, turned into a count by
``total * share / 100``; a plain column is a count.

What the shared Census and LA Times files need, and what any table gets:

- keys are read as text (``06037237202`` keeps its leading zero); keys made only of digits are compared
  at the width of the longer one, names without regard to case and spacing;
- only the mapped columns are read as numbers, so text such as ``1471 (USD)`` in other columns does not
  matter; a mapped column holding text that is not a number is refused, naming the column and a value;
- a share column with values above 100 is refused (``pct_asian`` in the ACS teaching file is a count: map it
  without ``%``); a count above the total is refused;
- an area with a total of 0 has 0 in every group (its shares are NaN there); a share missing where the total is
  above 0 leaves that group missing (not 0), counted in the report;
- rows of the table without a geometry (and rows without a key, or repeating one) are dropped into the
  quarantine with the reason, geometries without a row are counted in the report with examples: nothing is
  lost silently. Several features of one key are merged; invalid polygons are repaired (``make_valid``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.core.errors import DataError
from geo.core.projection import to_wgs84
from geo.core.store import read_vector
from geo.data.sources.census import GROUP_COLUMNS, MOE_SUFFIX

KIND = "population"
SOURCE = "population_table"
TOTAL = "population"
KEY = "key"
SHARE_MARK = "%"
EXAMPLES = 5
"""Keys quoted in the report (and in a message) for each kind of unmatched record."""
COUNT_SLACK = 0.5
"""A count may exceed the total by this much (rounded estimates) before it is refused."""
MISSING_TEXT = frozenset({"", "na", "n/a", "nan", "null", "none", "-"})
GROUPS: tuple[str, ...] = tuple(c for c in GROUP_COLUMNS if c != TOTAL)
"""Population columns a group can be mapped to (``descent_B``, ``sex_F``, ``age_18-24``...)."""


@dataclass(frozen=True)
class GroupMap:
    """One count column of the layer: ``name`` (``descent_B``) from the table's ``column``, a share or a count."""

    name: str
    column: str
    share: bool = False


@dataclass(frozen=True)
class TableSpec:
    """How a population table maps onto a layer: the join keys, the total, the groups and the vintage."""

    table_key: str
    geometry_key: str
    total: str | None
    groups: tuple[GroupMap, ...]
    vintage: str

    def __post_init__(self) -> None:
        if not self.vintage.strip():
            msg = 'say which estimates the table holds with --vintage, e.g. --vintage "ACS 2013-2017"'
            raise DataError(msg)
        if self.total is None and not self.groups:
            msg = "map at least one column: --total COLUMN (all residents) or --group CODE=COLUMN"
            raise DataError(msg)
        if self.total is None and any(g.share for g in self.groups):
            shares = [f"{g.column}{SHARE_MARK}" for g in self.groups if g.share]
            msg = f"a share in percent ({', '.join(shares)}) needs the total it is a share of: give --total COLUMN"
            raise DataError(msg)
        names = [g.name for g in self.groups]
        if len(set(names)) < len(names):
            twice = next(n for n in names if names.count(n) > 1)
            msg = f"the group {twice} is mapped twice"
            raise DataError(msg)


def parse_key(text: str) -> tuple[str, str]:
    """``TABLE_KEY=GEOMETRY_KEY`` (or one name for both) as ``(table key, geometry key)``."""
    table, sep, geom = text.partition("=")
    table, geom = table.strip(), (geom.strip() if sep else table.strip())
    if not table or not geom:
        msg = f"--key must be COLUMN or TABLE_COLUMN=GEOMETRY_FIELD, got {text!r}"
        raise DataError(msg)
    return table, geom


def group_name(code: str) -> str:
    """The population column of a group code: ``B`` -> ``descent_B``, ``F`` -> ``sex_F``, ``18-24`` -> ``age_18-24``."""
    code = code.strip()
    if code in GROUPS:
        return code
    found = [g for g in GROUPS if g.split("_", 1)[1] == code]
    if len(found) != 1:
        msg = f"unknown group {code!r}; groups are the victim filters' codes: {', '.join(GROUPS)}"
        raise DataError(msg)
    return found[0]


def parse_group(text: str) -> GroupMap:
    """``CODE=COLUMN`` (a count) or ``CODE=COLUMN%`` (a share in percent of the total)."""
    code, sep, column = text.partition("=")
    column = column.strip()
    share = column.endswith(SHARE_MARK)
    column = column.removesuffix(SHARE_MARK).strip()
    if not sep or not code.strip() or not column:
        msg = f"--group must be CODE=COLUMN or CODE=COLUMN% (a share in percent), got {text!r}"
        raise DataError(msg)
    return GroupMap(group_name(code), column, share)


def spec_from_args(*, key: str, total: str | None, groups: Sequence[str], vintage: str | None) -> TableSpec:
    """A :class:`TableSpec` from the command line's ``--key``, ``--total``, ``--group`` and ``--vintage``."""
    table_key, geometry_key = parse_key(key)
    return TableSpec(table_key, geometry_key, total, tuple(parse_group(g) for g in groups), vintage or "")


@dataclass
class PopulationTable:
    """A joined population layer with its quarantine and the counts that tie them together.

    ``rows_in`` counts the table's rows: ``rows_in == rows_kept + sum(dropped)``; geometries without a row
    are in ``notes["geometry"]``.
    """

    frame: gpd.GeoDataFrame
    quarantine: pd.DataFrame
    rows_in: int
    dropped: dict[str, int]
    notes: dict[str, Any] = field(default_factory=dict)
    kind: str = KIND
    table: str = KIND
    source: str = SOURCE
    origin: str = ""

    @property
    def rows_kept(self) -> int:
        """Areas in the layer."""
        return len(self.frame)


def _cell_text(v: object) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def read_table(path: str | Path) -> pd.DataFrame:
    """A CSV or a JSON array of records as an all-text frame (every value as written; ``""`` where empty).

    Raises
    ------
    DataError
        Missing or unreadable file, or a JSON that is not an array of records.
    """
    p = Path(path)
    if not p.is_file():
        msg = f"population table not found: {p}"
        raise DataError(msg)
    name = p.name.lower()
    try:
        if name.endswith(".json"):
            raw = pd.read_json(p, orient="records", dtype=False, precise_float=True)  # dtype=False: as written
            return raw.map(_cell_text).astype(str)
        return pd.read_csv(p, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError, ValueError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        msg = f"cannot read population table {p} (a CSV or a JSON array of records): {exc}"
        raise DataError(msg) from exc


def numbers(values: pd.Series, *, column: str, where: str) -> pd.Series:
    """A text column as numbers (``1,234`` -> 1234; empty, ``NA`` and negative annotation codes -> NaN).

    Raises
    ------
    DataError
        A value that is not a number (the column, how many and one example named).
    """
    text = values.astype(str).str.strip()
    missing = text.str.lower().isin(MISSING_TEXT)
    num = pd.to_numeric(text.str.replace(",", "", regex=False).mask(missing), errors="coerce")
    bad = num.isna() & ~missing
    if bad.any():
        msg = (
            f"column {column!r} of {where} holds text that is not a number in {int(bad.sum()):,} rows "
            f"(e.g. {text[bad].iloc[0]!r}); map a column of counts or of shares in percent"
        )
        raise DataError(msg)
    out = num.astype(float)
    return out.mask(out < 0)


def _norm(keys: pd.Series, width: int | None) -> pd.Series:
    text = keys.astype(str).str.strip()
    if width is not None:
        return text.str.zfill(width)
    return text.str.casefold().str.replace(r"\s+", " ", regex=True)


def _key_width(*sides: pd.Series) -> int | None:
    """The common width of keys made only of digits on both sides (None when any key has another character)."""
    every = pd.concat([s[s != ""] for s in sides])
    if every.empty or not every.str.fullmatch(r"\d+").all():
        return None
    return int(every.str.len().max())


def read_geometry(path: str | Path, key: str) -> tuple[gpd.GeoDataFrame, dict[str, int]]:
    """The polygons of a geometry file in EPSG:4326 with their key as text (column ``key``).

    Returns the features (empty geometries kept, to be counted) and counts: ``features``,
    ``repaired`` (invalid polygons made valid), ``empty`` (features without a geometry).
    """
    layer = read_vector(path)
    if key not in layer.columns:
        fields = [c for c in layer.columns if c != layer.geometry.name]
        msg = f"the geometry file {Path(path).name} has no field {key!r}; its fields: {fields}"
        raise DataError(msg)
    layer = to_wgs84(layer)
    geoms = layer.geometry.to_numpy()
    empty = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    kinds = set(layer.geom_type[~empty].dropna())
    if not kinds <= {"Polygon", "MultiPolygon"}:
        msg = f"the geometry file {Path(path).name} must hold polygons, got {sorted(kinds)}"
        raise DataError(msg)
    invalid = ~empty & ~shapely.is_valid(np.where(empty, None, geoms))
    if invalid.any():
        fixed = shapely.make_valid(geoms[invalid])
        geoms = geoms.copy()
        geoms[invalid] = shapely.intersection(fixed, fixed)  # the polygonal parts
    out = gpd.GeoDataFrame({KEY: layer[key].map(_cell_text).astype(str).str.strip()}, geometry=geoms, crs=layer.crs)
    counts = {"features": len(out), "repaired": int(invalid.sum()), "empty": int(empty.sum())}
    return out, counts


def _examples(keys: pd.Series) -> list[str]:
    return [str(k) for k in keys.head(EXAMPLES)]


def _groups(table: pd.DataFrame, spec: TableSpec, where: str) -> tuple[dict[str, pd.Series], dict[str, int]]:
    """The layer's count columns from the table's columns, and how many areas miss each group."""
    total = numbers(table[spec.total], column=spec.total, where=where) if spec.total else None
    out: dict[str, pd.Series] = {} if total is None else {TOTAL: total}
    missing: dict[str, int] = {}
    for g in spec.groups:
        value = numbers(table[g.column], column=g.column, where=where)
        if g.share and total is not None:
            high = value > 100
            if high.any():
                msg = (
                    f"{g.column} is mapped as a share in percent ({g.column}{SHARE_MARK}) but holds "
                    f"{int(high.sum()):,} values above 100 (up to {value.max():,.0f}): if it holds counts, map it "
                    f"without '%' (--group {g.name.split('_', 1)[1]}={g.column})"
                )
                raise DataError(msg)
            value = (total * value / 100).mask(total == 0, 0.0)
        elif total is not None:
            over = value > total + COUNT_SLACK
            if over.any():
                i = int(np.flatnonzero(over.to_numpy())[0])
                msg = (
                    f"{g.column} exceeds the total {spec.total} in {int(over.sum()):,} rows (e.g. "
                    f"{table[KEY].iloc[i]}: {value.iloc[i]:,.0f} > {total.iloc[i]:,.0f}); if it is a share in "
                    f"percent, map it as {g.column}{SHARE_MARK}"
                )
                raise DataError(msg)
        if total is not None:
            value = value.mask(total == 0, 0.0)
        out[g.name] = value
        gap = int(value.isna().sum())
        if gap:
            missing[g.name] = gap
    return out, missing


def _quarantine(table: pd.DataFrame, reasons: pd.Series) -> pd.DataFrame:
    dropped = reasons != ""
    q = table.loc[dropped].drop(columns=[KEY]).astype(str)
    q.insert(0, "reason", reasons[dropped].astype(str))
    q.insert(0, "source_row", pd.Series(np.flatnonzero(dropped.to_numpy()) + 1, dtype="Int64").to_numpy())
    return q.reset_index(drop=True)


def join_population(
    table: pd.DataFrame, geometry: gpd.GeoDataFrame, spec: TableSpec, *, where: str = "the table"
) -> PopulationTable:
    """Join a text table (:func:`read_table`) to key-carrying polygons (:func:`read_geometry`) as a population layer.

    Returns
    -------
    PopulationTable
        ``frame``: ``key``, ``population`` (with ``--total``), the group columns, ``synthetic`` (False) and
        the geometry (EPSG:4326), one row per key of the table that has a geometry, sorted by key.
    """
    wanted = [spec.table_key, *([spec.total] if spec.total else []), *(g.column for g in spec.groups)]
    absent = [c for c in dict.fromkeys(wanted) if c not in table.columns]
    if absent:
        msg = f"{where} has no column {absent[0]!r}; its columns: {list(table.columns)}"
        raise DataError(msg)
    table = table.assign(**{KEY: table[spec.table_key].astype(str).str.strip()}).reset_index(drop=True)
    present = ~(geometry.geometry.is_empty | geometry.geometry.isna())
    shapes = geometry[present & (geometry[KEY] != "")]
    width = _key_width(table[KEY], shapes[KEY])
    tkey, gkey = _norm(table[KEY], width), _norm(shapes[KEY], width)
    merged = shapes.assign(_k=gkey.to_numpy()).dissolve(by="_k", as_index=True)  # one area per key
    reasons = pd.Series("", index=table.index, dtype=object)
    reasons[table[KEY] == ""] = "missing_key"
    reasons[(reasons == "") & tkey.duplicated()] = "duplicate_key"
    reasons[(reasons == "") & ~tkey.isin(merged.index)] = "no_geometry"
    kept = reasons == ""
    if not kept.any():
        msg = (
            f"no key of {where} ({spec.table_key}, e.g. {_examples(table[KEY])}) matches a feature of the geometry "
            f"({spec.geometry_key}, e.g. {_examples(shapes[KEY])}): are they the same areas and vintage?"
        )
        raise DataError(msg)
    rows = table.loc[kept]
    values, missing = _groups(rows, spec, where)
    frame = pd.DataFrame({KEY: rows[KEY].to_numpy(), **{k: v.to_numpy() for k, v in values.items()}})
    frame["synthetic"] = False
    geom = merged.geometry.reindex(tkey[kept].to_numpy()).to_numpy()
    out = gpd.GeoDataFrame(frame, geometry=geom, crs=geometry.crs).sort_values(KEY).reset_index(drop=True)
    unused = ~merged.index.isin(tkey[kept].to_numpy())
    dropped = {str(k): int(v) for k, v in reasons[~kept].value_counts().sort_index().items()}
    notes: dict[str, Any] = {
        "zero_total": int((values[TOTAL] == 0).sum()) if TOTAL in values else 0,
        "missing_groups": missing,
        "rows_without_geometry_examples": _examples(table.loc[reasons == "no_geometry", KEY]),
        "geometry": {
            "features": len(geometry),
            "areas_matched": int(kept.sum()),
            "areas_without_row": int(unused.sum()),
            "without_row_examples": _examples(merged.loc[unused, KEY].astype(str)),
            "merged_features": int(len(shapes) - len(merged)),
            "empty": int((~present).sum()),
            "without_key": int((present & (geometry[KEY] == "")).sum()),
        },
    }
    return PopulationTable(out, _quarantine(table, reasons), len(table), dropped, notes)


def load_population_table(table_path: str | Path, geometry_path: str | Path, spec: TableSpec) -> PopulationTable:
    """Read a population table and its geometry file and join them (:func:`join_population`)."""
    table = read_table(table_path)
    geometry, counts = read_geometry(geometry_path, spec.geometry_key)
    result = join_population(table, geometry, spec, where=f"population table {Path(table_path).name}")
    result.notes["geometry"]["repaired"] = counts["repaired"]
    result.origin = str(table_path)
    return result


def population_columns_of(frame: pd.DataFrame) -> tuple[str, ...]:
    """The count columns a population layer or table holds (``population`` and the groups), margins left out."""
    return tuple(c for c in GROUP_COLUMNS if c in frame.columns and not c.endswith(MOE_SUFFIX))
