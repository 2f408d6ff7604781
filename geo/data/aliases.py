"""Place aliases, and one place per real place when several layers describe it.

The committed table ``geo/data/aliases.csv`` (columns ``name, alias, csp, note``) says which names
mean the same place: ``Harvard Park`` = ``Jackie Tatum/Harvard Recreation Center`` (CPAD), the HUD
development names (``RAMONA/ROSE``, ``AVALON/GONZAQUE``) = the Community Safety Partnership (CSP)
developments. ``workspace.aliases`` in ``config.yaml`` adds rows (canonical name -> other names).

Names are compared by :func:`name_key`: case, accents, punctuation and repeated spaces ignored,
so ``JORDAN DOWNS`` and ``Jordan Downs`` are the same name without an alias row.

**Matching rule** (:func:`merge_places`): a point place and a polygon place describe the same place
when their names have the same canonical key (directly or through an alias) or the same distinctive
words (:func:`core_words`: CPAD's ``Chesterfield Square`` and the City's ``Chesterfield Square Park``)
*and* the point lies inside the polygon or within ``match_m`` metres of its border (EPSG:32611). The polygon wins: the
point is dropped and the polygon keeps a note of the point's ``place_id``. Polygons are never merged
with each other: overlapping parks and the City's sub-parks stay separate places.

**Words** (:func:`core_words`): a name without its common words (``park``, ``recreation center``,
``mini``...), so ``Jesse Owens Park`` and ``Jesse Owens Mini-Park`` share their distinctive words; a
lookup by words finds both and says so rather than choosing one (the City's Jesse Owens Mini-Park is
in Reseda, the South LA park is the County's Jesse Owens Community Regional Park).
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.core.errors import DataError
from geo.core.projection import METRIC, WGS84

ALIAS_TABLE = Path(__file__).resolve().parent / "aliases.csv"
MATCHED_COLUMN = "matched_ids"
"""Column of :func:`merge_places` output: ``place_id`` values of the points a polygon absorbed."""
COMMON_WORDS = frozenset(
    {
        "park", "parks", "parkway", "mini", "pocket", "community", "regional", "neighborhood", "recreation",
        "center", "area", "playground", "the", "of", "and", "at",
    }
)  # fmt: skip
"""Words that say what kind of place a name is rather than which one (ignored by :func:`core_words`)."""


def name_key(name: object) -> str:
    """A comparison key for a place name: lower case, no accents, punctuation as single spaces."""
    if not isinstance(name, str):
        return ""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    return re.sub(r"[^0-9a-z]+", " ", text).strip()


SHORT_WORDS = {"rec": "recreation", "ctr": "center", "centre": "center", "pk": "park", "mt": "mount"}
"""Abbreviations read as the word they stand for when names are compared word by word."""


def words(name: object) -> frozenset[str]:
    """The words of a name as :func:`name_key` writes them, abbreviations written out (:data:`SHORT_WORDS`):
    ``"Jesse Owens Mini-Park"`` -> jesse, owens, mini, park; ``"Harvard Rec Ctr"`` -> harvard, recreation, center."""
    return frozenset(SHORT_WORDS.get(w, w) for w in name_key(name).split())


def core_words(name: object) -> frozenset[str]:
    """The distinctive words of a name: its :func:`words` less :data:`COMMON_WORDS` (all of them when every word
    is common, so ``"Community Park"`` keeps its words)."""
    every = words(name)
    return (every - COMMON_WORDS) or every


@dataclass(frozen=True)
class Aliases:
    """Canonical names of places and the other names they go by.

    Attributes
    ----------
    canonical
        :func:`name_key` of any known name -> the canonical display name.
    csp
        Canonical names of the CSP developments.
    """

    canonical: Mapping[str, str] = field(default_factory=dict)
    csp: frozenset[str] = frozenset()

    def key(self, name: object) -> str:
        """The canonical key of ``name`` (its own :func:`name_key` when it has no alias)."""
        k = name_key(name)
        return name_key(self.canonical.get(k, k))

    def canonical_name(self, name: str) -> str:
        """The canonical display name of ``name`` (``name`` itself when unknown)."""
        return self.canonical.get(name_key(name), name)

    def names_of(self, name: str) -> list[str]:
        """Every name in the table with the same canonical key as ``name`` (as keys)."""
        want = self.key(name)
        return sorted({k for k, v in self.canonical.items() if name_key(v) == want} | {name_key(name)})

    def is_csp(self, name: object) -> bool:
        """True if ``name`` (or its alias) is a CSP development."""
        return self.key(name) in {name_key(c) for c in self.csp}

    def extended(self, extra: Mapping[str, Iterable[str]]) -> Aliases:
        """A copy with ``extra`` rows (canonical name -> other names) added; later rows win."""
        canonical = dict(self.canonical)
        for name, others in extra.items():
            canonical[name_key(name)] = name
            for other in others:
                canonical[name_key(other)] = name
        return Aliases(canonical=canonical, csp=self.csp)


def read_aliases(path: str | Path = ALIAS_TABLE) -> Aliases:
    """Read an alias table (``name, alias, csp, note``; ``csp`` is ``yes`` for CSP developments).

    Raises
    ------
    DataError
        The file is missing, lacks the ``name``/``alias`` columns, or maps one alias to two names.
    """
    path = Path(path)
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
    except OSError as exc:
        msg = f"cannot read the place alias table {path}: {exc}"
        raise DataError(msg) from exc
    if rows and not {"name", "alias"} <= set(rows[0]):
        msg = f"{path}: the alias table needs columns name, alias (got {sorted(rows[0])})"
        raise DataError(msg)
    canonical: dict[str, str] = {}
    csp: set[str] = set()
    for i, row in enumerate(rows, start=2):
        name, alias = (row.get("name") or "").strip(), (row.get("alias") or "").strip()
        if not name or not alias:
            msg = f"{path} line {i}: both name and alias are needed"
            raise DataError(msg)
        before = canonical.get(name_key(alias))
        if before is not None and before != name:
            msg = f"{path} line {i}: {alias!r} is already an alias of {before!r}"
            raise DataError(msg)
        canonical[name_key(alias)] = name
        canonical.setdefault(name_key(name), name)
        if (row.get("csp") or "").strip().lower() in ("yes", "true", "1"):
            csp.add(name)
    return Aliases(canonical=canonical, csp=frozenset(csp))


@lru_cache(maxsize=1)
def default_aliases() -> Aliases:
    """The committed alias table (read once)."""
    return read_aliases(ALIAS_TABLE)


def load_aliases(extra: Mapping[str, Iterable[str]] | None = None) -> Aliases:
    """The committed table extended by ``extra`` (``settings.workspace.aliases``)."""
    base = default_aliases()
    return base.extended(extra) if extra else base


def _areal(geoms: gpd.GeoSeries) -> np.ndarray:
    return np.asarray(shapely.area(geoms.to_numpy()) > 0, dtype=bool)


def merge_places(
    layers: Iterable[gpd.GeoDataFrame], *, match_m: float, aliases: Aliases | None = None
) -> gpd.GeoDataFrame:
    """Several place tables as one, a polygon replacing every point that describes the same place.

    Parameters
    ----------
    layers
        Canonical place tables (EPSG:4326); columns are unioned.
    match_m
        Largest distance in metres (EPSG:32611) from a point to a polygon's border for the two to be
        the same place (0 inside the polygon). See the module docstring for the rule.
    aliases
        Alias table (default: :func:`default_aliases`).

    Returns
    -------
    geopandas.GeoDataFrame
        EPSG:4326, the rows of every layer minus the absorbed points, with :data:`MATCHED_COLUMN`
        (space-separated ``place_id`` values of the points each polygon absorbed, or empty). A
        ``place_id`` that two layers both use for different places (CPAD's ``park:129`` and the City's)
        is qualified by each layer's source (``park:cpad-129``), so rows sharing an id stay one place.
    """
    if not np.isfinite(match_m) or match_m < 0:
        msg = f"match_m must be a distance >= 0 in metres, got {match_m!r}"
        raise DataError(msg)
    frames = [g for g in layers if len(g)]
    if not frames:
        msg = "merge_places needs at least one non-empty place table"
        raise DataError(msg)
    for g in frames:
        if g.crs is None or not g.crs.equals(WGS84):
            msg = f"place tables must be in EPSG:4326, got {g.crs}"
            raise DataError(msg)
    frames = _distinct_ids(frames)
    table = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry", crs=WGS84)
    al = aliases or default_aliases()
    keys = table["name"].map(al.key).to_numpy()
    cores = np.array([" ".join(sorted(core_words(al.canonical_name(str(n))))) for n in table["name"]], dtype=object)
    metric = table.geometry.to_crs(METRIC)
    areal = _areal(metric)
    drop = np.zeros(len(table), dtype=bool)
    matched = [""] * len(table)
    polys = np.nonzero(areal)[0]
    for i in np.nonzero(~areal)[0]:
        same = polys[((keys[polys] == keys[i]) & (keys[i] != "")) | ((cores[polys] == cores[i]) & (cores[i] != ""))]
        if not len(same):
            continue
        dist = shapely.distance(metric.iloc[same].to_numpy(), metric.iloc[i])
        best = same[np.argmin(dist)]
        if float(np.min(dist)) <= match_m:
            drop[i] = True
            matched[best] = " ".join(p for p in (matched[best], str(table.at[i, "place_id"])) if p)
    table[MATCHED_COLUMN] = matched
    return table.loc[~drop].reset_index(drop=True)


def _distinct_ids(frames: list[gpd.GeoDataFrame]) -> list[gpd.GeoDataFrame]:
    """The tables with every ``place_id`` that more than one of them uses qualified by the table's source."""
    owners: dict[str, set[int]] = {}
    for k, g in enumerate(frames):
        for pid in g["place_id"].astype(str).unique():
            owners.setdefault(pid, set()).add(k)
    shared = {pid for pid, where in owners.items() if len(where) > 1}
    if not shared:
        return frames
    tags = [_tag(g, k) for k, g in enumerate(frames)]
    tags = [f"{tag}{k + 1}" if tags.count(tag) > 1 else tag for k, tag in enumerate(tags)]  # one source, two layers
    out = []
    for g, tag in zip(frames, tags, strict=True):
        ids = g["place_id"].astype(str)
        clash = ids.isin(shared).to_numpy()
        if clash.any():
            fixed = [_qualified(i, tag) if c else i for i, c in zip(ids, clash, strict=True)]
            g = g.assign(place_id=pd.Series(fixed, index=g.index, dtype="string"))
        out.append(g)
    return out


def _tag(table: gpd.GeoDataFrame, k: int) -> str:
    values = table["source"].dropna().astype(str).unique() if "source" in table.columns else []
    tag = re.sub(r"[^0-9a-z]+", "_", str(values[0]).lower()).strip("_") if len(values) == 1 else ""
    return tag or f"layer{k + 1}"


def _qualified(pid: str, tag: str) -> str:
    kind, sep, rest = pid.partition(":")
    return f"{kind}:{tag}-{rest}" if sep else f"{tag}-{pid}"


def csp_sites(housing: gpd.GeoDataFrame, *, aliases: Aliases | None = None) -> gpd.GeoDataFrame:
    """CSP sites (kind ``csp_site``) from public-housing places whose name is a CSP development.

    ``name`` becomes the canonical development name (``RAMONA/ROSE`` -> ``Ramona Gardens``),
    ``place_id`` is ``csp_site:<housing place_id>``; the geometry is the housing geometry (a HUD
    point: rings are measured from it).
    """
    if "name" not in housing.columns:
        msg = "csp_sites needs a place table with a 'name' column"
        raise DataError(msg)
    al = aliases or default_aliases()
    hit = housing[housing["name"].map(al.is_csp).astype(bool)].copy()
    hit["name"] = hit["name"].map(al.canonical_name).astype("string")
    hit["place_id"] = ("csp_site:" + hit["place_id"].astype(str)).astype("string")
    hit["kind"] = "csp_site"
    return hit.reset_index(drop=True)
