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
from typing import cast

import streamlit as st

from geo.analysis import conditions
from geo.analysis.gi_infer import note_text
from geo.core.disclosure import Disclosure
from geo.core.errors import AnalysisError, SafetyMapError
from geo.core.filters import Filters
from geo.core.i18n import fmt_date, fmt_int, t
from geo.core.notes import Note
from geo.core.settings import Settings
from geo.core.text import echo
from geo.data.services import NothingToShow, registry_of, requests_of, to_call
from geo.exports.helpnear import service_lines
from geo.exports.playback import Step, playback
from layers.compose import MapComposer
from layers.hotspots import count_layer, gi_layer, kde_layer, rings_layer
from layers.incidents import incidents_layer
from layers.notes import add_notes
from layers.overview import add_places, add_streets, approximate_note
from layers.page import map_html
from layers.perception import mark_layers
from layers.places import ZONE_SYMBOL, zones_layer
from layers.playback import playback_layer
from layers.public import public_layer
from layers.services import conditions_layer, services_layers
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
    step: str = ""
    """The playback's time step (``month``, ``quarter``, ``year``); empty for the whole period at once."""
    notes: tuple[Note, ...] = ()
    """Notes for the meeting drawn on the map (:mod:`ui.notes`)."""


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
    composer = _composer(view, s)
    notes: list[str] = []
    warning = None

    if "streets" in chosen:
        add_streets(composer, data.streets(src.streets, lang))
    add_places(composer, places, kinds=tuple(kind for kind, key in PLACE_KINDS if key in chosen))
    stepped = bool(view.step and n)
    if stepped:  # the squares step through the period instead of every incident layer at once
        notes.extend(_add_playback(composer, view, s))
    if view.public and n and not stepped:
        notes.extend(_add_public_cells(composer, view, s))
    if n and not view.public and not stepped:
        if "grid" in chosen:
            cells = analysis.grid_counts(src.incidents, f, s.analysis.grid_cell_m)
            composer.add(*count_layer(cells, lang=lang, name=t("layer.grid", lang)))
        if "kde" in chosen:  # a surface over few points draws each of them
            notes.extend(_add_heat(composer, view, s))
        if "gistar" in chosen:
            gi_notes, warning = _add_gistar(composer, view, s)
            notes.extend(gi_notes)
    _add_zones(composer, view, s)
    if "perception" in chosen:
        notes.extend(_add_perception(composer, view, s))
    if "conditions" in chosen:
        notes.extend(_add_conditions(composer, view, s))
    if "services" in chosen:
        notes.extend(_add_services(composer, view, s))
    if "rings" in chosen and f.place:
        rings = analysis.rings(src.places, f.place, tuple(f.rings_m or s.distances.rings_m))
        composer.add(*rings_layer(rings, lang=lang, place=f.place))
    if not stepped:
        notes.extend(_add_points(composer, view, s, n=n, n_homicides=n_homicides))

    add_notes(composer, view.notes, lang=lang)
    m = composer.finish(synthetic=view.synthetic, note=approximate_note(places, lang))
    return MapDocument(map_html(m, lang=lang, title=t("frame.map", lang)), tuple(notes), warning)


def _composer(view: MapView, s: Settings) -> MapComposer:
    """An empty map of ``view``, centred on its focus place (zoomed in to at least 15) when it has one."""
    center, zoom = None, None
    if view.filters.place:
        c = analysis.place(s.sources.places, view.filters.place, view.lang).geometry.iloc[0].centroid
        center, zoom = (c.y, c.x), max(s.map.zoom, 15)
    return MapComposer(s, lang=view.lang, tiles=view.tiles, center=center, zoom=zoom)


def _add_public_cells(composer: MapComposer, view: MapView, s: Settings) -> list[str]:
    """The public view's only incident layer (counts per cell, small counts withheld) and its notes."""
    lang, cell, min_count = view.lang, s.analysis.grid_cell_m, s.privacy.min_count
    cells = analysis.public_grid(s.sources.incidents, view.filters, cell_m=cell, min_count=min_count, lang=lang)
    composer.add(*public_layer(cells, lang=lang, name=t("view.public_layer", lang)))
    notes = [t("view.public_note", lang, n=min_count, cell=fmt_int(cell, lang))]
    if cells.attrs.get("whole"):
        notes.append(t("report.caveat.whole", lang, min=min_count))
    elif cells.attrs.get("withheld"):
        withheld = fmt_int(int(cells.attrs["withheld"]), lang)
        notes.append(t("report.caveat.withheld", lang, n=withheld, min=min_count))
    return notes


def _add_playback(composer: MapComposer, view: MapView, s: Settings) -> list[str]:
    """The squares' counts step by step through the period in view (never points, in either view), and the notes."""
    lang, f, cell = view.lang, view.filters, s.analysis.grid_cell_m
    rule = Disclosure.from_settings(s.privacy, public=view.public)
    shown = analysis.incidents_in_view(view.incidents, f)
    days = shown["occurred_at"].dt.date
    start, end = f.start or days.min(), f.end or days.max()
    try:
        frames = playback(shown, start=start, end=end, step=cast(Step, view.step), cell_m=cell, rule=rule, lang=lang)
    except AnalysisError as exc:
        return [t("playback.none", lang, error=str(exc))]
    name = t("playback.layer", lang, step=t(f"playback.step.{view.step}", lang))
    composer.add(*playback_layer(frames, lang=lang, name=name))
    n_frames = fmt_int(len(frames.frames), lang)
    notes = [t("playback.note", lang, n=n_frames, cell=fmt_int(cell, lang), first=frames.labels(lang)[0],
               last=frames.labels(lang)[-1])]  # fmt: skip
    if view.public:
        notes.append(t("playback.public_note", lang, n=rule.min_count))
    return notes


def _add_heat(composer: MapComposer, view: MapView, s: Settings) -> list[str]:
    """The density surface (when there are enough incidents to draw one) and its notes: the bandwidth, and the
    period per year or why no surface is drawn."""
    lang = view.lang
    contours, info = analysis.heat(s.sources.incidents, view.filters, s.analysis)
    notes = []
    if info.get("drawn"):
        bw = (info["bandwidth_x_m"], info["bandwidth_y_m"])
        composer.add(*kde_layer(contours, lang=lang, bandwidth_m=bw, rule=info["bandwidth_rule"]))
        rule = t(f"rule.{info['bandwidth_rule']}", lang)
        notes.append(t("map.bandwidth", lang, hx=fmt_int(bw[0], lang), hy=fmt_int(bw[1], lang), rule=rule))
    notes.extend(note_text(note, lang) for note in info.get("notes", ()))  # the period per year, or why none
    return notes


def _add_gistar(composer: MapComposer, view: MapView, s: Settings) -> tuple[list[str], str | None]:
    """The Gi* hot and cold spots; their notes, or the warning that there are too few events to read them."""
    lang = view.lang
    cells, gi = analysis.gistar(s, view.filters)
    composer.add(*gi_layer(cells, lang=lang, **{k: gi[k] for k in analysis.GI_ATTRS if k in gi}))
    if gi.get("warning_key"):
        message = t(gi["warning_key"], lang, **gi.get("warning_params", {}))
        return [], t("map.few_events", lang, message=message)
    # what the inference did: more permutations, exact p, the normal p, or a limit of the grid
    notes = [note_text(note, lang) for note in gi.get("notes", ())]
    if not (cells["gi_class"] != 0).any() if len(cells) else True:
        notes.append(t("map.no_hotspots", lang))
    return notes, None


def _add_zones(composer: MapComposer, view: MapView, s: Settings) -> None:
    """The chosen boundary layers, each zone with its incident count (missing where the data do not cover it)."""
    src = s.sources
    for _key, label, path in view.zones:
        counts = analysis.covered_zone_counts(
            src.incidents, view.filters, Path(path), store_dir=src.store_dir, min_share=s.workspace.coverage_min_share
        )
        zone_rule = Disclosure.from_settings(s.privacy, public=view.public)
        composer.add(zones_layer(counts, name=label, lang=view.lang, rule=zone_rule), [(label, ZONE_SYMBOL)])


def _add_perception(composer: MapComposer, view: MapView, s: Settings) -> list[str]:
    """Where residents of the latest survey wave avoid or feel safe, counted on the incidents' own grid squares
    (the same squares as the public cells); squares with fewer than ``survey.min_responses`` residents are left out."""
    from geo.data.stores import store_location
    from geo.survey.layer import NoAnswers, marks, survey_of
    from geo.survey.shown import SurveyRule, mark_cells, waves_of

    try:
        layer, _, _ = survey_of(store_location(s.sources), s.survey, s.sources.survey, beside_synthetic=view.synthetic)
    except NoAnswers as exc:
        return [t("community.none.demo_refused" if exc.demo_refused else "community.none", view.lang)]
    except SafetyMapError as exc:
        return [t("map.perception.none", view.lang, error=str(exc))]
    placed = marks(layer)
    waves = waves_of(placed)
    if not waves:
        return [t("map.perception.none", view.lang, error="")]
    latest = placed[placed["wave"].astype(str) == waves[-1]]
    cells = mark_cells(latest, cell_m=s.analysis.grid_cell_m, rule=SurveyRule(s.survey.min_responses))
    for group, rows in mark_layers(cells, lang=view.lang):
        composer.add(group, rows)
    return [t("map.perception.note", view.lang, wave=waves[-1], n=s.survey.min_responses,
              hidden=fmt_int(int(cells.attrs.get("hidden_cells", 0)), view.lang))]  # fmt: skip


def _add_services(composer: MapComposer, view: MapView, s: Settings) -> list[str]:
    """The services registry (places, areas served, Safe Passage routes) and, in words, the lines to call."""
    try:
        shown = registry_of(s, beside_synthetic=view.synthetic)
    except NothingToShow as exc:
        return [t("services.none.demo_refused" if exc.demo_refused else "services.none", view.lang)]
    for group, rows in services_layers(shown.frame, lang=view.lang):
        composer.add(group, rows)
    lines = service_lines(to_call(shown.frame), view.lang)  # worded as the handout words them
    notes = [t("services.demo", view.lang)] if shown.demo else []
    if lines:
        listed = "; ".join(echo(line) for line in lines)  # registry text, never Markdown
        notes.append(t("services.lines", view.lang, lines=listed))
    return notes


def _add_conditions(composer: MapComposer, view: MapView, s: Settings) -> list[str]:
    """The City's service requests created in the period in view, counted per grid square."""
    lang, f = view.lang, view.filters
    try:
        shown = requests_of(s, beside_synthetic=view.synthetic)
    except NothingToShow as exc:
        return [t("conditions.none.demo_refused" if exc.demo_refused else "conditions.none", lang)]
    frame = shown.frame
    first, last = conditions.span_of(f.start, f.end, analysis.incidents_in_view(view.incidents, f))
    picked = conditions.in_period(frame, first, last)
    notes = [t("conditions.synthetic", lang)] if shown.demo else []
    created = frame["created_at"].dt.date
    start = fmt_date(first or created.min(), lang)
    end = fmt_date(last or created.max(), lang)
    if not len(picked):
        runs = {"first": fmt_date(created.min(), lang), "last": fmt_date(created.max(), lang)}
        return [*notes, t("conditions.note.empty", lang, start=start, end=end, **runs)]
    cell = s.analysis.grid_cell_m
    composer.add(*conditions_layer(conditions.cells(picked, cell_m=cell), lang=lang))
    n = fmt_int(len(picked), lang)
    return [*notes, t("conditions.note", lang, start=start, end=end, n=n, cell=fmt_int(cell, lang))]


def _add_points(composer: MapComposer, view: MapView, s: Settings, *, n: int, n_homicides: int) -> list[str]:
    """The incident and homicide points (internal view only), each drawn as counts per grid cell instead when
    there are more than ``map.max_points`` of them; the notes saying so."""
    lang, cell, f = view.lang, s.analysis.grid_cell_m, view.filters
    sym = symbols(s.colours)
    notes = []
    for key, category, symbol_key, label_key in (
        ("incidents", None, "incident", "layer.incidents"),
        ("homicides", "homicide", "homicide", "layer.homicides"),
    ):
        size = n - n_homicides if category is None else n_homicides
        if key not in view.layers or view.public or size == 0:
            continue
        name = t(label_key, lang)
        exclude = None if category else "homicide"
        if size > s.map.max_points:
            cells = analysis.grid_counts(s.sources.incidents, f, cell, only=category, exclude=exclude)
            composer.add(*count_layer(cells, lang=lang, name=name))
            notes.append(t("map.aggregated", lang, n=fmt_int(size, lang), cell=fmt_int(cell, lang)))
        else:
            subset = analysis.rows_of(s.sources.incidents, f, only=category, exclude=exclude)
            composer.add(
                incidents_layer(subset, name=name, symbol=sym[symbol_key], lang=lang), [(name, sym[symbol_key])]
            )
    return notes
