"""One typed, immutable settings object, loaded once from ``config.yaml``.

Precedence (later wins): the YAML file (``--config PATH``, else ``$SAFETYMAP_CONFIG``, else
``config.yaml`` at the project root), then environment overrides of single keys written as
``SAFETYMAP__SECTION__KEY=value`` (the value is read as YAML, so ``14`` is a number and
``[75, 150]`` a list). Relative paths are resolved against the config file's folder.

A bad config raises :class:`geo.core.errors.ConfigError` with one message naming the file and
each offending key; nothing else in the code base reads YAML or the environment.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from geo.core.errors import ConfigError
from geo.core.settings_sections import AnalysisLimits, Frozen, Metres
from geo.core.settings_sections import AuthSettings as AuthSettings
from geo.core.settings_sections import DosageSettings as DosageSettings
from geo.core.settings_sections import PatrolSettings as PatrolSettings
from geo.core.settings_sections import RateSettings as RateSettings
from geo.core.settings_sections import RiskSettings as RiskSettings
from geo.core.settings_sections import SearchSettings as SearchSettings
from geo.core.settings_sections import ServiceSettings as ServiceSettings
from geo.core.settings_sections import SurveySettings as SurveySettings

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CONFIG = PROJECT_ROOT / "config.yaml"
ENV_CONFIG = "SAFETYMAP_CONFIG"
ENV_PREFIX = "SAFETYMAP__"

HexColour = Annotated[str, Field(pattern=r"^#[0-9a-fA-F]{6}$")]
_Frozen = Frozen


class FocusSettings(_Frozen):
    """Places the dashboard centres on and offers first."""

    default_place: str = "Harvard Park"
    places: tuple[str, ...] = ("Harvard Park",)

    @model_validator(mode="after")
    def _default_listed(self) -> FocusSettings:
        if self.default_place not in self.places:
            msg = f"default_place {self.default_place!r} is not one of places {list(self.places)}"
            raise ValueError(msg)
        return self


class SocrataSettings(_Frozen):
    """City of LA open-data portal (Socrata SODA API)."""

    base_url: str = "https://data.lacity.org/resource"
    legacy_dataset: str = "2nrs-mtv8"
    nibrs_dataset: str = "k7nn-b2ep"
    app_token: str | None = None
    page_size: int = Field(default=50_000, gt=0, le=50_000)


class HttpSettings(_Frozen):
    """Timeouts and retries for every live source."""

    timeout_s: float = Field(default=30.0, gt=0, le=600)
    retries: int = Field(default=4, ge=0, le=10)
    backoff_s: float = Field(default=1.0, ge=0, le=60)
    user_agent: str = "south-la-safety-map"


class CensusSettings(_Frozen):
    """Census Bureau sources of population: the ACS 5-year API and TIGERweb block-group geometry."""

    api_url: str = "https://api.census.gov/data/{year}/acs/acs5"
    tigerweb_url: str = "https://tigerweb.geo.census.gov/arcgis/rest/services/TIGERweb/tigerWMS_ACS{year}/MapServer/10"
    year: int = Field(default=2022, ge=2013, le=2100)
    state: str = Field(default="06", pattern=r"^[0-9]{2}$")
    county: str = Field(default="037", pattern=r"^[0-9]{3}$")
    api_key: str | None = None
    max_variables: int = Field(default=48, ge=2, le=50)


class SourceSettings(_Frozen):
    """Where the dashboard's data comes from (the demo bundle by default)."""

    incidents: Path = Path("data/demo/incidents.parquet")
    places: Path = Path("data/demo/places.geojson")
    streets: Path = Path("data/demo/streets.geojson")
    population: Path = Path("data/demo/population.geojson")
    rate_zones: Path = Path("data/demo/rate_zones.geojson")
    survey: Path = Path("data/demo/survey.parquet")
    """Residents' answers shown when the store holds no survey layer (the demo's synthetic wave)."""
    services: Path = Path("data/demo/services.geojson")
    """The services shown beside the demo's incidents while the store holds no registry (example entries)."""
    requests: Path = Path("data/demo/requests.parquet")
    """The service requests shown beside the demo's incidents while the store holds none (synthetic)."""
    store_dir: Path = Path("data/cache")
    store: str | None = Field(default=None, pattern=r"^postgres(ql)?://")
    """A shared PostGIS store (``postgresql://user@host:5432/db``); None: the GeoParquet folder ``store_dir``."""
    socrata: SocrataSettings = SocrataSettings()
    arcgis_layers: dict[str, str] = Field(default_factory=dict)
    http: HttpSettings = HttpSettings()
    census: CensusSettings = CensusSettings()


class WorkspaceSettings(_Frozen):
    """The chosen data (``python -m geo use``), place aliases and coverage rules."""

    file: str = Field(default="workspace.json", pattern=r"^[A-Za-z0-9_.-]+\.json$")
    aliases: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    match_m: float = Field(default=250.0, ge=0, le=5_000)
    coverage_min_share: float = Field(default=0.95, gt=0, le=1)
    osm_parks_dist_m: Metres = 2000.0


class DistanceSettings(_Frozen):
    """Distances in metres (EPSG:32611)."""

    rings_m: tuple[Metres, ...] = (75.0, 150.0, 400.0)
    ranking_within_m: Metres = 150.0
    displacement_buffer_m: Metres = 400.0

    @field_validator("rings_m")
    @classmethod
    def _increasing(cls, v: tuple[float, ...]) -> tuple[float, ...]:
        if not v:
            msg = "at least one ring distance is needed"
            raise ValueError(msg)
        if any(b <= a for a, b in itertools.pairwise(v)):
            msg = f"ring distances must increase strictly, got {list(v)}"
            raise ValueError(msg)
        return v


class AnalysisSettings(AnalysisLimits):
    """Analysis defaults (cells and bandwidths in metres); the statistical limits are in :class:`AnalysisLimits`."""

    grid_cell_m: Metres = 150.0
    kde_cell_m: Metres = 50.0
    min_events: int = Field(default=30, ge=1)
    min_events_per_cell: float = Field(default=0.1, ge=0, le=100)
    focus_area_m: Metres = 2000.0
    fdr_alpha: float = Field(default=0.05, gt=0, lt=1)
    gi_inference: Literal["permutation", "normal"] = "permutation"
    gi_permutations: int = Field(default=999, ge=999, le=99_999)
    seed: int = Field(default=0, ge=0)
    kde_bandwidth_rule: Literal["normal_reference_2d", "likelihood_cv"] = "normal_reference_2d"
    knox_dedupe_minutes: float = Field(default=60.0, ge=0, le=1440)
    knox_same_location_m: float = Field(default=1.0, ge=0, le=100)
    small_count: int = Field(default=10, ge=1, le=1000)
    nibrs_break: dt.date = dt.date(2024, 3, 7)
    data_from: dt.date = dt.date(2010, 1, 1)
    data_to: dt.date | None = None


class TileSettings(_Frozen):
    """A background tile layer, used only when its server answers."""

    enabled: bool = True
    url: str = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    attribution: str = "&copy; OpenStreetMap contributors"
    probe_timeout_s: float = Field(default=1.5, gt=0, le=30)


class MapSettings(_Frozen):
    """Map defaults (EPSG:4326 degrees)."""

    center: tuple[float, float] = (33.965, -118.275)
    zoom: int = Field(default=13, ge=1, le=19)
    min_zoom: int = Field(default=10, ge=1, le=19)
    max_zoom: int = Field(default=19, ge=1, le=22)
    height_px: int = Field(default=620, ge=200, le=2000)
    background: HexColour = "#f2efe9"
    tiles: TileSettings = TileSettings()
    max_points: int = Field(default=5000, ge=1)

    @field_validator("center")
    @classmethod
    def _in_range(cls, v: tuple[float, float]) -> tuple[float, float]:
        lat, lon = v
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            msg = f"center must be [lat, lon] in degrees, got {list(v)}"
            raise ValueError(msg)
        return v


class ColourSettings(_Frozen):
    """Colour-blind-safe palette (Okabe-Ito) for layers and categories."""

    homicide: HexColour = "#D55E00"
    incident: HexColour = "#0072B2"
    park: HexColour = "#009E73"
    housing: HexColour = "#CC79A7"
    csp_site: HexColour = "#E69F00"
    street: HexColour = "#7f7f7f"
    focus: HexColour = "#000000"


class LanguageSettings(_Frozen):
    """Languages of the interface."""

    default: Literal["en", "es"] = "en"
    available: tuple[Literal["en", "es"], ...] = ("en", "es")


class PrivacySettings(_Frozen):
    """Rules for public outputs (DESIGN.md section 7)."""

    min_count: int = Field(default=3, ge=1)
    default_mode: Literal["public", "internal"] = "public"
    public_period: Literal["day", "month"] = "month"


class Settings(_Frozen):
    """Every tunable of the application."""

    focus: FocusSettings = FocusSettings()
    sources: SourceSettings = SourceSettings()
    distances: DistanceSettings = DistanceSettings()
    analysis: AnalysisSettings = AnalysisSettings()
    map: MapSettings = MapSettings()
    colours: ColourSettings = ColourSettings()
    languages: LanguageSettings = LanguageSettings()
    privacy: PrivacySettings = PrivacySettings()
    patrol: PatrolSettings = PatrolSettings()
    workspace: WorkspaceSettings = WorkspaceSettings()
    dosage: DosageSettings = DosageSettings()
    rates: RateSettings = RateSettings()
    auth: AuthSettings = AuthSettings()
    survey: SurveySettings = SurveySettings()
    services: ServiceSettings = ServiceSettings()
    risk: RiskSettings = RiskSettings()
    search: SearchSettings = SearchSettings()
    config_path: Path | None = None


DEFAULTS = Settings()
"""The built-in defaults (config.yaml's values when it sets none): keyword defaults of functions read
these, so no default is written twice."""


_PATH_KEYS = ("incidents", "places", "streets")
_OPTIONAL_PATH_KEYS = ("population", "rate_zones", "survey", "services", "requests")
"""Resolved like the others, but may be absent (the rates page says so)."""


class _Loader(yaml.SafeLoader):
    """YAML loader that leaves dates as text, so pydantic validates them with a clear message."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _yaml(text: str) -> Any:
    return yaml.load(text, Loader=_Loader)


def _env_keys(environ: dict[str, str] | os._Environ[str]) -> dict[tuple[str, ...], str]:
    """Setting path (``("map", "zoom")``) -> the ``SAFETYMAP__...`` variable that sets it."""
    out: dict[tuple[str, ...], str] = {}
    for name in environ:
        if name.startswith(ENV_PREFIX):
            keys = tuple(k.lower() for k in name[len(ENV_PREFIX) :].split("__") if k)
            if keys:
                out[keys] = name
    return out


def _env_overrides(environ: dict[str, str] | os._Environ[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for keys_t, name in _env_keys(environ).items():
        raw = environ[name]
        keys = list(keys_t)
        try:
            value = _yaml(raw)
        except yaml.YAMLError:
            value = raw
        node = out
        for key in keys[:-1]:
            node = node.setdefault(key, {})
            if not isinstance(node, dict):
                break
        else:
            node[keys[-1]] = value
    return out


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _describe(err: dict[str, Any]) -> str:
    loc = ".".join(str(p) for p in err["loc"]) or "(top level)"
    kind = err.get("type", "")
    if kind == "extra_forbidden":
        return f"{loc}: unknown key"
    got = err.get("input")
    text = str(err.get("msg", "invalid value"))
    text = text.removeprefix("Value error, ")
    if kind != "missing" and not isinstance(got, dict):
        return f"{loc}: {text} (got {got!r})"
    return f"{loc}: {text}"


def _env_var_for(loc: tuple[str, ...], env_keys: dict[tuple[str, ...], str]) -> str | None:
    """The environment variable that set the key at ``loc`` (or a section holding it), if any."""
    for depth in range(len(loc), 0, -1):
        name = env_keys.get(loc[:depth])
        if name is not None:
            return name
    return None


def _problems(errors: list[dict[str, Any]], *, chosen: Path, env_keys: dict[tuple[str, ...], str]) -> str:
    """One message: file problems under the file's name, override problems under their variable's name."""
    in_file: list[str] = []
    in_env: list[str] = []
    for err in errors:
        loc = tuple(str(p) for p in err["loc"])
        var = _env_var_for(loc, env_keys)
        if var is None:
            in_file.append(_describe(err))
        else:
            in_env.append(f"environment variable {var}: {_describe(err)}")
    parts = [f"bad config in {chosen}: " + "; ".join(in_file)] if in_file else []
    return "; ".join([*parts, *(f"bad {p}" for p in in_env)])


def _resolve(path: Path, base: Path) -> Path:
    if re.match(r"^postgres(ql)?:/", str(path)):  # a PostGIS layer (postgresql://host/db#layer), not a file
        return path
    path = Path(os.path.expanduser(str(path)))
    return path if path.is_absolute() else (base / path).resolve()


def load_settings(
    path: str | Path | None = None, *, environ: dict[str, str] | os._Environ[str] | None = None
) -> Settings:
    """Read, validate and freeze the settings.

    Parameters
    ----------
    path
        YAML file; defaults to ``$SAFETYMAP_CONFIG`` or the project's ``config.yaml``.
    environ
        Environment to read overrides from (``os.environ`` by default).

    Raises
    ------
    ConfigError
        Missing or unreadable file, YAML syntax error, unknown key, wrong type, bad date,
        or a source file that does not exist. The message names the file and the key.
    """
    env = os.environ if environ is None else environ
    chosen = Path(path) if path is not None else Path(env.get(ENV_CONFIG) or DEFAULT_CONFIG)
    chosen = chosen.expanduser().resolve()
    if not chosen.is_file():
        msg = f"config file not found: {chosen}"
        raise ConfigError(msg)
    try:
        raw = _yaml(chosen.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        msg = f"cannot read config file {chosen}: {exc}"
        raise ConfigError(msg) from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        msg = f"config file {chosen} is not valid YAML{where}: {getattr(exc, 'problem', exc)}"
        raise ConfigError(msg) from exc
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        msg = f"config file {chosen} must hold a mapping of sections, got {type(raw).__name__}"
        raise ConfigError(msg)
    env_keys = _env_keys(env)
    data = _merge(raw, _env_overrides(env))
    try:
        settings = Settings.model_validate(data)
    except ValidationError as exc:
        msg = _problems(exc.errors(), chosen=chosen, env_keys=env_keys)  # type: ignore[arg-type]
        raise ConfigError(msg) from None

    base = chosen.parent
    sources = settings.sources
    resolved = {k: _resolve(getattr(sources, k), base) for k in (*_PATH_KEYS, *_OPTIONAL_PATH_KEYS, "store_dir")}
    missing = [
        {"loc": ("sources", k), "msg": f"file not found: {resolved[k]}", "type": "missing"}
        for k in _PATH_KEYS
        if not resolved[k].is_file() and not re.match(r"^postgres(ql)?:/", str(resolved[k]))
    ]
    if missing:
        raise ConfigError(_problems(missing, chosen=chosen, env_keys=env_keys))
    new_sources = sources.model_copy(update=resolved)
    patrol = settings.patrol.model_copy(update={"demo_network": _resolve(settings.patrol.demo_network, base)})
    search = _resolved_search(settings.search, base)
    return settings.model_copy(
        update={"sources": new_sources, "patrol": patrol, "search": search, "config_path": chosen}
    )


def _resolved_search(search: SearchSettings, base: Path) -> SearchSettings:
    """``search`` with its address file and the geocoder's cache folder resolved against the config's folder."""
    geocoder = search.geocoder.model_copy(update={"cache_dir": _resolve(search.geocoder.cache_dir, base)})
    addresses = _resolve(search.addresses, base) if search.addresses is not None else None
    return search.model_copy(update={"addresses": addresses, "geocoder": geocoder})


_override: Path | None = None


def use_config(path: str | Path | None) -> None:
    """Choose the config file for :func:`get_settings` (``--config PATH``) and forget the cached one."""
    global _override
    _override = Path(path) if path is not None else None
    get_settings.cache_clear()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, loaded once (see :func:`use_config`)."""
    return load_settings(_override)
