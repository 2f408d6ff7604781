"""Reading a population layer or table: block-group polygons (GeoJSON, GeoParquet...) or a CSV keyed by zone.

A polygon layer carries count columns (``population`` and the group columns of
:data:`geo.data.sources.census.GROUP_COLUMNS`, each with an optional ``<column>_moe``) and is interpolated
by area onto zones; a CSV carries a zone key column and count columns and is joined on the key.
Key columns are read as text (``01`` stays ``01``); count columns as numbers.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from geo.core.errors import DataError
from geo.core.store import read_vector

TABLE_SUFFIXES = (".csv", ".txt", ".csv.gz")


def is_table(path: str | Path) -> bool:
    """Whether ``path`` names a plain table (CSV) rather than a polygon layer."""
    name = Path(path).name.lower()
    return any(name.endswith(s) for s in TABLE_SUFFIXES)


def read_population(path: str | Path) -> pd.DataFrame:
    """A population polygon layer (GeoDataFrame, EPSG as declared) or a CSV table (DataFrame).

    Raises
    ------
    DataError
        Missing or unreadable file, a CSV without a count column, a layer that is not polygons.
    """
    p = Path(path)
    if not p.is_file():
        msg = f"population file not found: {p}"
        raise DataError(msg)
    if not is_table(p):
        layer = read_vector(p)
        kinds = set(layer.geom_type.dropna())
        if not kinds <= {"Polygon", "MultiPolygon"}:
            msg = f"population layer {p} must hold polygons, got {sorted(kinds)}"
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
