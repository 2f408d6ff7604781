"""Population layers and tables: reading them, what they are, and whether one may divide a layer of incidents.

A polygon layer carries count columns (``population`` and the group columns of
:data:`geo.data.sources.census.GROUP_COLUMNS`, each with an optional ``<column>_moe``) and is interpolated
by area onto zones; a CSV carries a zone key column and count columns and is joined on the key.
Key columns are read as text (``01`` stays ``01``); count columns as numbers.

Population layers reach the store two ways: ``python -m geo fetch census`` (ACS block groups, see
:mod:`geo.data.sources.census`) and ``python -m geo ingest TABLE --geometry AREAS ...`` (a table keyed by an
id plus a geometry file, see :mod:`geo.data.sources.population_table` and :func:`ingest_population_table`).

**No synthetic stand-in behind a real figure** (one rule, owned here, read by the Rates page and
``python -m geo rates``): :func:`denominator` decides whether a population may divide a layer of incidents.
Real incidents are never divided by synthetic residents (the demo's) unless the person chose them by name
(``--population demo``, or the labelled choice on the page); the figure is then labelled synthetic. Where
no real population exists, the refusal names what is missing and the commands that get it
(:func:`refusal`). :func:`describe_population` says what a population is: synthetic or not, and its
vintage (``ACS 2013-2017``), which is shown beside every rate.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from geo.core.errors import DataError
from geo.core.schema import SCHEMA_VERSION
from geo.core.store import file_sha256, read_metadata, read_vector
from geo.data.sources.population_table import KIND, TableSpec, load_population_table, population_columns_of
from geo.data.stores import layer_report, open_layer, open_store
from geo.data.stores.api import parse_locator

TABLE_SUFFIXES = (".csv", ".txt", ".csv.gz")
DEMO = "demo"
"""The name that chooses the configured (demo) population even when it is synthetic: ``--population demo``."""
MISSING = "missing"
SYNTHETIC = "synthetic"
INGEST_COMMAND = (
    "python -m geo ingest TABLE.csv --geometry AREAS.geojson --key GEOID10=GEOID --total total_pop "
    '--group B=pct_black% --vintage "ACS 2013-2017"'
)
FETCH_COMMAND = "python -m geo fetch census --year 2022"


def is_table(path: str | Path) -> bool:
    """Whether ``path`` names a plain table (CSV) rather than a polygon layer."""
    name = Path(path).name.lower()
    return any(name.endswith(s) for s in TABLE_SUFFIXES)


def read_population(path: str | Path) -> pd.DataFrame:
    """A population polygon layer (GeoDataFrame, EPSG as declared; a file or a PostGIS layer) or a CSV table.

    Raises
    ------
    DataError
        Missing or unreadable file, a CSV without a count column, a layer that is not polygons.
    """
    stored = open_layer(path) if parse_locator(path) else None
    p = Path(path)
    if stored is None and not p.is_file():
        msg = f"population file not found: {p}"
        raise DataError(msg)
    if stored is not None or not is_table(p):
        layer = stored if stored is not None else read_vector(p)
        kinds = set(layer.geom_type.dropna())
        if not kinds <= {"Polygon", "MultiPolygon"}:
            msg = f"population layer {path} must hold polygons, got {sorted(kinds)}"
            raise DataError(msg)
        polygons: pd.DataFrame = layer  # a GeoDataFrame, which mypy sees as Any (geopandas ships no types)
        return polygons
    try:
        raw = pd.read_csv(p, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        msg = f"cannot read population table {p}: {exc}"
        raise DataError(msg) from exc
    if raw.shape[1] < 2:
        msg = f"population table {p} needs a zone key column and a population column; it has {list(raw.columns)}"
        raise DataError(msg)
    out = raw.copy()
    for col in raw.columns:
        cleaned = raw[col].str.replace(",", "", regex=False).str.strip()
        num = pd.to_numeric(cleaned.replace("", None), errors="coerce")
        if num.notna().sum() == (cleaned != "").sum() and (cleaned != "").any():
            out[col] = num.astype(float)
    return out


def population_metadata(path: str | Path) -> dict[str, Any]:
    """The report stored with a population layer (a store layer, a GeoParquet file); empty for other files."""
    stored = layer_report(path)
    if stored is not None:
        return stored
    p = Path(path)
    if p.suffix.lower() in (".parquet", ".geoparquet") and p.is_file():
        return read_metadata(p)
    return {}


@dataclass(frozen=True)
class PopulationSource:
    """What a population is: where it is, its name, whether it is synthetic, its vintage and its count columns."""

    locator: str
    name: str
    synthetic: bool
    vintage: str | None
    columns: tuple[str, ...]

    def label(self) -> str:
        """The population in words for the command line: ``name (vintage)`` or ``name (synthetic)``."""
        if self.synthetic:
            return f"{self.name} (synthetic residents)"
        return f"{self.name} ({self.vintage or 'vintage not stated'})"


def vintage_of(meta: Mapping[str, Any]) -> str | None:
    """The vintage a population layer's report states: ``vintage``, or the ACS span of ``year`` (``ACS 2018-2022``)."""
    if meta.get("vintage"):
        return str(meta["vintage"])
    year = meta.get("year")
    if year is not None and str(meta.get("source", "")).startswith("census_acs"):
        return f"ACS {int(year) - 4}-{int(year)}"
    return None


def describe_population(path: str | Path, population: pd.DataFrame | None = None) -> PopulationSource:
    """What the population at ``path`` is (``population``: its rows, when already read).

    Synthetic when its report says so or every row is marked ``synthetic`` (the demo's).
    """
    meta = population_metadata(path)
    frame = read_population(path) if population is None else population
    marked = "synthetic" in frame.columns and len(frame) > 0
    synthetic = bool(meta.get("synthetic")) or (marked and bool(frame["synthetic"].fillna(False).astype(bool).all()))
    name = str(meta.get("layer") or Path(str(path)).name)
    return PopulationSource(str(path), name, synthetic, vintage_of(meta), population_columns_of(frame))


@dataclass(frozen=True)
class Denominator:
    """Whether a population may divide a layer of incidents, and how the figure is to be labelled.

    ``refused`` is None (allowed), :data:`MISSING` (no population at all) or :data:`SYNTHETIC` (only a
    synthetic population, not chosen, under real incidents); ``synthetic`` is True when the figure rests
    on synthetic residents (label it so on the figure and every export).
    """

    source: PopulationSource | None
    refused: str | None
    synthetic: bool

    @property
    def allowed(self) -> bool:
        """True when the rates may be computed."""
        return self.refused is None


def denominator(source: PopulationSource | None, *, incidents_synthetic: bool, chosen: bool) -> Denominator:
    """The one rule: may ``source`` divide these incidents?

    Parameters
    ----------
    source
        The population asked for (None when there is none).
    incidents_synthetic
        True when every incident is synthetic (the demo's): their figure is synthetic whatever divides it.
    chosen
        True when the person chose this population by name as the demo's (``--population demo``, the
        labelled choice on the page), knowing it is synthetic.
    """
    if source is None:
        return Denominator(None, MISSING, False)
    if source.synthetic and not incidents_synthetic and not chosen:
        return Denominator(source, SYNTHETIC, True)
    return Denominator(source, None, source.synthetic)


def refusal(verdict: Denominator) -> str:
    """Why ``verdict`` refuses, what is missing and the commands that get it (English, for the command line)."""
    if verdict.refused is None:
        return ""
    if verdict.refused == SYNTHETIC and verdict.source is not None:
        head = (
            f"the population {verdict.source.name} is synthetic (the demo's generated residents) and the incidents "
            "are real: no rate divides real incidents by synthetic residents"
        )
    else:
        head = "no population to divide the incidents by"
    return (
        f"{head}. Ingest a real population table with `{INGEST_COMMAND}`, or fetch the Census estimates with "
        f"`{FETCH_COMMAND}`; `--population demo` divides by the demo's synthetic residents anyway (labelled synthetic)"
    )


def choice_order(
    sources: Mapping[str, PopulationSource], *, incidents_synthetic: bool, columns: Sequence[str] = ()
) -> list[str]:
    """The population choices in the order offered (the first is the default): those of the incidents' kind first.

    Under real incidents real populations come first (those that count ``columns``, the victim group the filters
    choose, before the others), synthetic ones last; with no real population, :data:`MISSING` comes first, so
    the page opens on the refusal and the synthetic population is there only to be chosen. Under synthetic
    (demo) incidents the synthetic population comes first.
    """
    fits = {k: set(columns) <= set(s.columns) for k, s in sources.items()}
    real = sorted((k for k, s in sources.items() if not s.synthetic), key=lambda k: not fits[k])
    fake = [k for k, s in sources.items() if s.synthetic]
    if incidents_synthetic:
        return [*fake, *real]
    return [*real, *fake] if real else [MISSING, *fake]


def population_layers(inventory: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """The population layers of a store inventory (``info``'s entries) that can be trusted: name -> locator."""
    return {str(e["name"]): str(e["path"]) for e in inventory if e.get("table") == KIND and not e.get("error")}


def stored_populations(store: str | Path) -> dict[str, str]:
    """Population layers ingested into the store (:func:`ingest_population_table`): layer name -> locator."""
    from geo.data.ingest import store_inventory

    return population_layers(store_inventory(store))


def ingest_population_table(
    table_path: str | Path,
    geometry_path: str | Path,
    spec: TableSpec,
    *,
    store_dir: str | Path,
    name: str | None = None,
    replace: bool = False,
) -> dict[str, Any]:
    """Join a population table to its geometry and write it to the store as a population layer.

    The layer (``population-<table file>`` unless ``name``) holds ``key``, ``population`` and the group
    columns, EPSG:4326; its report states the vintage, the columns mapped, and every row and geometry not
    joined (:class:`geo.data.sources.population_table.PopulationTable`). Like any ingest it refuses to shrink a
    layer or to take over another file's layer unless ``replace``.

    Raises
    ------
    DataError
        A file cannot be read, a column is missing or is not what its mapping says, nothing joins, or the
        write is refused; the store is unchanged.
    """
    from geo.data.ingest import check_layer_name, layer_name, refuse_loss

    table_path, geometry_path = Path(table_path), Path(geometry_path)
    result = load_population_table(table_path, geometry_path, spec)
    layer = check_layer_name(name or layer_name(table_path, KIND))
    sha256 = file_sha256(table_path)
    if not replace:
        refuse_loss(result, store_dir, layer, table_path, sha256)
    now = dt.datetime.now(dt.UTC)
    fetched = dt.datetime.fromtimestamp(table_path.stat().st_mtime, tz=dt.UTC)
    columns = population_columns_of(result.frame)
    meta: dict[str, Any] = {
        "layer": layer,
        "kind": KIND,
        "table": KIND,
        "source": result.source,
        "url_or_file": str(table_path),
        "fetched_at": fetched.isoformat(timespec="seconds"),
        "ingested_at": now.isoformat(timespec="seconds"),
        "rows_in": result.rows_in,
        "rows_kept": result.rows_kept,
        "dropped": dict(sorted(result.dropped.items())),
        "repaired_geometries": int(result.notes["geometry"]["repaired"]),
        "date_from": None,
        "date_to": None,
        "series_break": None,
        "schema_version": SCHEMA_VERSION,
        "vintage": spec.vintage.strip(),
        "synthetic": False,
        "key": f"{spec.table_key}={spec.geometry_key}",
        "total_column": spec.total,
        "groups": {g.name: g.column + ("%" if g.share else "") for g in spec.groups},
        "columns": list(columns),
        "geometry_file": str(geometry_path),
        "source_path": str(table_path.resolve()),
        "source_sha256": sha256,
        **{k: v for k, v in result.notes.items() if k != "geometry"},
        "geometry": result.notes["geometry"],
    }
    written = open_store(store_dir).write(layer, result.frame, result.quarantine, meta)
    sums = {c: round(float(result.frame[c].sum(min_count=1)), 1) for c in columns}
    return {**written, "residents": sums}
