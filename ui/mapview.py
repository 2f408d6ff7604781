"""The Map page's map: composed from the chosen layers, rendered once per distinct view and shared.

Everything the map depends on is in a :class:`MapView` (the data files by path and modification
time, the filters, the layers, the view mode, the language, the settings' digest). The finished
document is kept per view for the whole process (:data:`CACHED_VIEWS` of them), so the people of
a team opening the same view share one render instead of each paying for it; a changed file,
filter, layer or setting is a new view.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from geo.analysis.gi_infer import note_text
from geo.core.disclosure import Disclosure
from geo.core.filters import Filters
from geo.core.i18n import fmt_int, t
from geo.core.settings import Settings
from layers.compose import MapComposer
from layers.hotspots import count_layer, gi_layer, kde_layer, rings_layer
from layers.incidents import incidents_layer
from layers.overview import add_places, add_streets, approximate_note
from layers.page import map_html
from layers.places import ZONE_SYMBOL, zones_layer
from layers.public import public_layer
from layers.style import symbols
from ui import analysis, data
from ui.data import FileKey, file_key

CACHED_VIEWS = 16
"""Finished map documents kept per process (about 0.2 MB each for the demo, 1.4 MB at a million incidents)."""
PLACE_KINDS = (("park", "parks"), ("housing", "housing"), ("csp_site", "csp"))


@dataclass(frozen=True)
class MapView:
    """Everything the Map page's map depends on (a plain, hashable cache key)."""

    incidents: FileKey
    places: FileKey
    streets: FileKey
    store: FileKey
    filters: Filters
    layers: tuple[str, ...]
    zones: tuple[tuple[str, str, str], ...]  # (layer key, legend label, file path) of the chosen boundary layers
    zone_files: tuple[FileKey, ...]
    public: bool
    lang: str
    tiles: bool
    synthetic: bool
    settings: str


@dataclass(frozen=True)
class MapDocument:
    """A finished map: its HTML, the notes to print under it and a warning to show above them, if any."""

    html: str
    notes: tuple[str, ...]
    warning: str | None


def settings_digest(settings: Settings) -> str:
    """A short digest of every setting, so a changed setting is a new view."""
    return hashlib.sha256(settings.model_dump_json().encode("utf-8")).hexdigest()[:16]


def map_view(
    settings: Settings,
    f: Filters,
    *,
    layers: tuple[str, ...],
    zones: tuple[tuple[str, str, str], ...],
    public: bool,
    lang: str,
    tiles: bool,
    synthetic: bool,
) -> MapView:
    """The :class:`MapView` of the page as it is now (files keyed by their modification time)."""
    src = settings.sources
    return MapView(
        incidents=file_key(src.incidents),
        places=file_key(src.places),
        streets=file_key(src.streets),
        store=FileKey(str(src.store_dir), data.mtime(Path(src.store_dir))),
        filters=f,
        layers=layers,
        zones=zones,
        zone_files=tuple(file_key(path) for _, _, path in zones),
        public=public,
        lang=lang,
        tiles=tiles,
        synthetic=synthetic,
        settings=settings_digest(settings),
    )


@st.cache_resource(show_spinner=False, max_entries=CACHED_VIEWS)
def map_document(view: MapView, _settings: Settings) -> MapDocument:
    """The map of ``view``, composed and rendered once per distinct view (``_settings`` match ``view.settings``)."""
    s, f, lang, chosen = _settings, view.filters, view.lang, view.layers
    src = s.sources
    n = analysis.count(src.incidents, f)
    n_homicides = analysis.count_of(src.incidents, f, only="homicide")
    places = data.places(src.places, lang)
    center, zoom = None, None
    if f.place:
        c = analysis.place(src.places, f.place, lang).geometry.iloc[0].centroid
        center, zoom = (c.y, c.x), max(s.map.zoom, 15)
    composer = MapComposer(s, lang=lang, tiles=view.tiles, center=center, zoom=zoom)
    sym = symbols(s.colours)
    notes: list[str] = []
    warning = None
    cell = s.analysis.grid_cell_m

    if "streets" in chosen:
        add_streets(composer, data.streets(src.streets, lang))
    add_places(composer, places, kinds=tuple(kind for kind, key in PLACE_KINDS if key in chosen))
    if view.public and n:
        cells = analysis.public_grid(src.incidents, f, cell_m=cell, min_count=s.privacy.min_count, lang=lang)
        composer.add(*public_layer(cells, lang=lang, name=t("view.public_layer", lang)))
        notes.append(t("view.public_note", lang, n=s.privacy.min_count, cell=fmt_int(cell, lang)))
        if cells.attrs.get("whole"):
            notes.append(t("report.caveat.whole", lang, min=s.privacy.min_count))
        elif cells.attrs.get("withheld"):
            withheld = fmt_int(int(cells.attrs["withheld"]), lang)
            notes.append(t("report.caveat.withheld", lang, n=withheld, min=s.privacy.min_count))
    if "grid" in chosen and n and not view.public:
        composer.add(*count_layer(analysis.grid_counts(src.incidents, f, cell), lang=lang, name=t("layer.grid", lang)))
    if "kde" in chosen and n and not view.public:  # a surface over few points draws each of them
        contours, info = analysis.heat(src.incidents, f, s.analysis)
        if info.get("drawn"):
            bw = (info["bandwidth_x_m"], info["bandwidth_y_m"])
            composer.add(*kde_layer(contours, lang=lang, bandwidth_m=bw, rule=info["bandwidth_rule"]))
            rule = t(f"rule.{info['bandwidth_rule']}", lang)
            notes.append(t("map.bandwidth", lang, hx=fmt_int(bw[0], lang), hy=fmt_int(bw[1], lang), rule=rule))
        notes.extend(note_text(note, lang) for note in info.get("notes", ()))  # the period per year, or why none
    if "gistar" in chosen and n and not view.public:
        cells, gi = analysis.gistar(s, f)
        composer.add(*gi_layer(cells, lang=lang, **{k: gi[k] for k in analysis.GI_ATTRS if k in gi}))
        if gi.get("warning_key"):
            message = t(gi["warning_key"], lang, **gi.get("warning_params", {}))
            warning = t("map.few_events", lang, message=message)
        else:  # what the inference did: more permutations, exact p, the normal p, or a limit of the grid
            notes.extend(note_text(note, lang) for note in gi.get("notes", ()))
            if not (cells["gi_class"] != 0).any() if len(cells) else True:
                notes.append(t("map.no_hotspots", lang))
    for _key, label, path in view.zones:
        counts = analysis.covered_zone_counts(
            src.incidents, f, Path(path), store_dir=src.store_dir, min_share=s.workspace.coverage_min_share
        )
        zone_rule = Disclosure.from_settings(s.privacy, public=view.public)
        composer.add(zones_layer(counts, name=label, lang=lang, rule=zone_rule), [(label, ZONE_SYMBOL)])
    if "rings" in chosen and f.place:
        rings = analysis.rings(src.places, f.place, tuple(f.rings_m or s.distances.rings_m))
        composer.add(*rings_layer(rings, lang=lang, place=f.place))
    for key, category, symbol_key, label_key in (
        ("incidents", None, "incident", "layer.incidents"),
        ("homicides", "homicide", "homicide", "layer.homicides"),
    ):
        size = n - n_homicides if category is None else n_homicides
        if key not in chosen or view.public or size == 0:
            continue
        name = t(label_key, lang)
        exclude = None if category else "homicide"
        if size > s.map.max_points:
            cells = analysis.grid_counts(src.incidents, f, cell, only=category, exclude=exclude)
            composer.add(*count_layer(cells, lang=lang, name=name))
            notes.append(t("map.aggregated", lang, n=fmt_int(size, lang), cell=fmt_int(cell, lang)))
        else:
            subset = analysis.rows_of(src.incidents, f, only=category, exclude=exclude)
            composer.add(
                incidents_layer(subset, name=name, symbol=sym[symbol_key], lang=lang), [(name, sym[symbol_key])]
            )

    m = composer.finish(synthetic=view.synthetic, note=approximate_note(places, lang))
    return MapDocument(map_html(m, lang=lang, title=t("frame.map", lang)), tuple(notes), warning)
