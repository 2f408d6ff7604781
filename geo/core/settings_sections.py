"""Sections of the settings for the patrol planner, patrol dosage, rates, sign-in and the residents' survey, and the
statistical limits of the ``analysis`` section (see :mod:`geo.core.settings`)."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Metres = Annotated[float, Field(gt=0, le=50_000)]


class Frozen(BaseModel):
    """An immutable settings section that refuses unknown keys."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class AnalysisLimits(Frozen):
    """Limits of the ``analysis`` section that keep the statistics stable (inherited by ``AnalysisSettings``).

    Gi* permutations are raised, when a class decision is not settled by the Monte Carlo error of its p (at
    ``gi_mc_confidence``), up to ``gi_max_permutations`` and ``gi_max_permutation_work`` cells x permutations
    (about 1 s per 20 million); a class still open then takes the exact permutation p (the normal p where that is
    too large to compute), and the result says so (:mod:`geo.analysis.gi_infer`). A heat surface needs
    ``kde_min_events`` events; an emerging-hot-spot cell needs ``emerging_min_count`` events over all its periods.
    """

    gi_max_permutations: int = Field(default=99_999, ge=999, le=99_999)
    gi_max_permutation_work: int = Field(default=20_000_000, ge=1_000_000, le=2_000_000_000)
    gi_mc_confidence: float = Field(default=0.999, ge=0.9, lt=1)
    kde_min_events: int = Field(default=10, ge=2, le=10_000)
    emerging_min_count: int = Field(default=5, ge=1, le=10_000)

    @model_validator(mode="after")
    def _cap_above_request(self) -> AnalysisLimits:
        requested = int(getattr(self, "gi_permutations", 0))
        if self.gi_max_permutations < requested:
            msg = f"gi_max_permutations {self.gi_max_permutations} is below gi_permutations {requested}"
            raise ValueError(msg)
        return self


class PatrolSettings(Frozen):
    """Foot-patrol route planner (distances in metres, EPSG:32611; times in minutes)."""

    network: Literal["demo", "osm", "imported"] = "demo"
    demo_network: Path = Path("data/demo/walk.graphml")
    osm_dist_m: Metres = 2000.0
    osm_margin_m: Metres = 250.0
    speed_mps: float = Field(default=1.2, gt=0.3, le=3.0)
    dwell_min: float = Field(default=15.0, gt=0, le=60)
    dwell_range_min: tuple[float, float] = (10.0, 16.0)
    max_stops: int = Field(default=8, ge=1, le=50)
    candidates: int = Field(default=25, ge=1, le=200)
    hotspot_days: int = Field(default=730, ge=1, le=20_000)
    grid_cell_m: Metres = 150.0
    border_segment_m: Metres = 120.0
    border_within_m: Metres = 75.0
    min_separation_m: Metres = 80.0
    max_snap_m: Metres = 250.0
    solver_time_limit_s: float = Field(default=2.0, gt=0, le=60)

    @field_validator("dwell_range_min")
    @classmethod
    def _range(cls, v: tuple[float, float]) -> tuple[float, float]:
        if not 0 < v[0] <= v[1]:
            msg = f"dwell_range_min must be [low, high] with 0 < low <= high, got {list(v)}"
            raise ValueError(msg)
        return v


class DosageSettings(Frozen):
    """Patrol dosage measured from GPX tracks (distances in metres, EPSG:32611; times in minutes or seconds).

    A track point within ``radius_m`` of a stop puts the patrol at the stop; once there it stays
    there until a point is farther than ``radius_m + hysteresis_m`` (hysteresis, so GPS jitter at
    the edge neither creates nor splits visits). Presences closer in time than ``visit_gap_min``
    are one visit; a visit shorter than ``min_stay_min`` is a pass, not a visit. Two points more
    than ``max_step_s`` apart in time leave a hole (no signal): that time is not counted.
    """

    radius_m: Metres = 25.0
    hysteresis_m: float = Field(default=15.0, ge=0, le=500)
    min_stay_min: float = Field(default=2.0, ge=0, le=60)
    visit_gap_min: float = Field(default=5.0, ge=0, le=240)
    max_step_s: float = Field(default=120.0, gt=0, le=3600)
    still_m: float = Field(default=15.0, ge=0, le=500)
    moving_mps: float = Field(default=0.6, gt=0, le=10)
    speed_window_s: float = Field(default=60.0, gt=0, le=600)
    walk_gap_min: float = Field(default=30.0, gt=0, le=1440)
    still_gap_min: float = Field(default=15.0, gt=0, le=240)
    """A pause with no points longer than this is no signal, even when the points on either side are at the same
    spot (the officer may have left and come back): reported as ``no_signal_min``, never as presence."""
    far_m: Metres = 1000.0
    naive_time_zone: str = "UTC"
    met_tolerance_min: float = Field(default=1.0, ge=0, le=30)
    map_weeks: int = Field(default=8, ge=0, le=104)
    incident_radius_m: Metres = 150.0
    store_subdir: str = Field(default="tracks", pattern=r"^[A-Za-z0-9_-]+$")
    max_file_mb: float = Field(default=20.0, gt=0, le=500)

    @field_validator("naive_time_zone")
    @classmethod
    def _zone(cls, v: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            msg = f"unknown time zone {v!r}; use an IANA name such as UTC or America/Los_Angeles"
            raise ValueError(msg) from exc
        return v


class RateSettings(Frozen):
    """Rates per resident: denominators, small-number rules, ACS reliability tiers, map classes."""

    per: int = Field(default=100_000, gt=0)
    per_choices: tuple[int, ...] = (1_000, 10_000, 100_000)
    min_population: float = Field(default=10_000, ge=0)
    min_count: int = Field(default=3, ge=1)
    pool_years: int = Field(default=5, ge=1, le=30)
    cv_tiers: tuple[float, float] = (0.12, 0.40)
    smoothing: bool = True
    classes: int = Field(default=5, ge=2, le=7)
    scheme: Literal["quantiles", "natural_breaks", "equal_interval"] = "quantiles"

    @model_validator(mode="after")
    def _consistent(self) -> RateSettings:
        if self.per not in self.per_choices:
            msg = f"per {self.per} is not one of per_choices {list(self.per_choices)}"
            raise ValueError(msg)
        low, high = self.cv_tiers
        if not 0 < low < high:
            msg = f"cv_tiers must be [low, high] with 0 < low < high (fractions), got {list(self.cv_tiers)}"
            raise ValueError(msg)
        return self


ROLE_NAMES = ("public", "staff", "admin")
"""The roles, weakest first: public (everyone), staff (the internal view) and admin (also the team's data)."""


class AuthSettings(Frozen):
    """Who may see what (``auth``): sign-in through the identity provider of ``.streamlit/secrets.toml`` and the
    roles its people get. ``mode: off`` (the default) is one machine with no sign-in: its user is the operator,
    with every role."""

    mode: Literal["off", "required"] = "off"
    provider: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_-]+$")
    """The named provider (``[auth.NAME]`` in the secrets); None: the ``[auth]`` section's own."""
    roles: dict[Literal["staff", "admin"], tuple[str, ...]] = {}
    """Who has each role: e-mail addresses (``ana@lacity.org``), whole domains (``@lacity.org``) and groups of the
    provider's group claim (``group:csp-analysts``). A person in two lists has the stronger role; a person in none
    is signed in with no role and sees the public view."""
    group_claim: str = Field(default="groups", min_length=1, max_length=100)
    require_verified_email: bool = True
    """Addresses and domains give a role only when the provider marks the address verified (``email_verified``).
    Microsoft Entra sends no such claim: use ``group:`` roles there, or set this to false when no one in the
    tenant can change their own address."""
    session_hours: float = Field(default=12.0, gt=0, le=24 * 30)
    """A sign-in lasts this long (hours since the provider issued it); then the person signs in again."""
    check_timeout_s: float = Field(default=5.0, gt=0, le=60)
    """How long the sign-in button waits for the provider before saying it cannot be reached."""

    @field_validator("mode", mode="before")
    @classmethod
    def _yaml_off(cls, value: object) -> object:
        return "off" if value is False else value  # YAML reads an unquoted off as false

    @field_validator("roles")
    @classmethod
    def _entries(cls, value: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        for role, entries in value.items():
            for entry in entries:
                text = entry.strip()
                is_group = text.startswith("group:") and len(text) > len("group:")
                is_domain = text.startswith("@") and "." in text and "@" not in text[1:]
                is_address = text.count("@") == 1 and not text.startswith("@") and "." in text.split("@")[1]
                if not (is_group or is_domain or is_address):
                    msg = (
                        f"auth.roles.{role}: {entry!r} is not an e-mail address, an @domain or group:NAME "
                        "(for example ana@lacity.org, @lacity.org, group:csp-analysts)"
                    )
                    raise ValueError(msg)
        return {role: tuple(e.strip() for e in entries) for role, entries in value.items()}


class SurveyWave(Frozen):
    """One wave of the residents' assessment: a name and the dates its interviews fall in (inclusive)."""

    name: str = Field(min_length=1, max_length=60)
    start: dt.date
    end: dt.date

    @model_validator(mode="after")
    def _order(self) -> SurveyWave:
        if self.end < self.start:
            msg = f"survey wave {self.name!r} ends ({self.end}) before it starts ({self.start})"
            raise ValueError(msg)
        return self


class SurveySettings(Frozen):
    """The residents' assessment (``survey``): what may be shown of it and how its answers are grouped.

    Respondents are protected more than victims: an area, a cell or a group with fewer than ``min_responses``
    respondents shows nothing but "fewer than N" (in every view), free text is never shown, and nothing is
    dated finer than the wave."""

    min_responses: int = Field(default=5, ge=3, le=1000)
    layer: str = Field(default="survey", pattern=r"^[A-Za-z0-9_-]+$")
    """The store layer the answers are kept in (ingests and paper entries add to it)."""
    waves: tuple[SurveyWave, ...] = ()
    """Named waves by interview date; with none, each calendar quarter is a wave (``2026-Q2``)."""
    collect_from: dt.date | None = None
    """Answers dated before this day are test submissions (field teams try the form before the wave starts)."""
    test_names: tuple[str, ...] = ("test", "prueba")
    """A submitter or device name containing one of these marks a test submission."""
    weighting: bool = True
    """Weight answers to the area's residents by the groups asked (raking); the unweighted share is shown too."""
    form_url: str | None = Field(default=None, pattern=r"^https://[^\s<>\"']+$", max_length=300)
    """The assessment's web form (Enketo, KoboToolbox, ODK Central; https): the handout and the slide carry it as a
    QR code and an address, inviting residents to answer."""

    @model_validator(mode="after")
    def _waves(self) -> SurveySettings:
        ordered = sorted(self.waves, key=lambda w: w.start)
        for a, b in itertools.pairwise(ordered):
            if b.start <= a.end:
                msg = f"survey waves {a.name!r} and {b.name!r} overlap ({b.start} is in both)"
                raise ValueError(msg)
        names = [w.name for w in self.waves]
        if len(set(names)) != len(names):
            msg = f"survey wave names must differ; got {names}"
            raise ValueError(msg)
        return self


class ServiceSettings(Frozen):
    """The services registry and the City's service requests (``services``).

    Services (intervention workers' areas, park programmes, schools and Safe Passage routes, youth programmes, victim
    services, lines to call) are kept in the store layer ``layer`` (ingested from the partnership's CSV or GeoJSON, or
    edited by admins on the Data page); the demo's labelled sample stands in while the store has none. The handout lists
    up to ``handout_max`` services within ``near_m`` of the place (lines to call always); the route card those within
    ``route_within_m`` of the route."""

    layer: str = Field(default="services", pattern=r"^[a-z0-9_][a-z0-9_-]*$")
    near_m: Metres = 1500.0
    handout_max: int = Field(default=4, ge=1, le=12)
    route_within_m: Metres = 200.0
    requests_datasets: dict[int, Annotated[str, Field(pattern=r"^[a-z0-9]{4}-[a-z0-9]{4}$")]] = {
        2015: "ms7h-a45h",
        2016: "ndkd-k878",
        2017: "d4vt-q4t5",
        2018: "h65r-yf5i",
        2019: "pvft-t768",
        2024: "b7dx-7gc3",
        2025: "h73f-gn57",
    }
    """The Socrata id of each year's "MyLA311 Service Request Data <year>" (data.lacity.org), fetched by
    ``python -m geo fetch requests``; add a year's id here when the City publishes it."""
    requests_days: int = Field(default=365, ge=1, le=3660)
    """Requests created in this many days before the fetch (or ``--since``)."""


class RiskSettings(Frozen):
    """Risk factors beside incidents and the risk terrain model (``risk``; Caplan and Kennedy).

    Each factor layer becomes, per cell of a ``cell_m`` grid, a distance factor (within each ``bands_m``) and a density
    factor (points within each band); the model is fitted only with ``min_events`` incidents or more in at least
    ``min_event_cells`` cells; factors are kept by ``folds``-fold cross-validation (folds drawn with ``seed``). The near
    versus far table counts incidents in cells within ``near_m`` of a factor point against the others."""

    cell_m: Metres = 150.0
    bands_m: tuple[Metres, ...] = (150.0, 300.0, 450.0)
    near_m: Metres = 150.0
    min_events: int = Field(default=30, ge=5, le=100_000)
    min_event_cells: int = Field(default=10, ge=3, le=100_000)
    folds: int = Field(default=5, ge=2, le=20)
    seed: int = 0
    max_factors: int = Field(default=8, ge=1, le=40)


NOMINATIM_URL = "https://nominatim.openstreetmap.org/search"
ARCGIS_URL = "https://geocode.arcgis.com/arcgis/rest/services/World/GeocodeServer/findAddressCandidates"
PUBLIC_NOMINATIM_HOST = "nominatim.openstreetmap.org"
ATTRIBUTIONS = {
    "nominatim": "Search by Nominatim; data © OpenStreetMap contributors, ODbL 1.0",
    "arcgis": "Geocoding by Esri (ArcGIS)",
}
"""The attribution each geocoder's terms ask for, shown with its results when ``attribution`` is not set."""
LIBRARY_AGENTS = ("python-requests", "python-urllib", "curl/", "wget/", "mozilla/")
"""User-Agent starts that name a library or a browser, not the application (Nominatim's policy refuses them)."""


class GeocoderSettings(Frozen):
    """The online geocoder behind search (``search.geocoder``): off unless configured.

    ``nominatim`` (OpenStreetMap's, or your own instance at ``url``) asks for an application's own ``user_agent`` and
    at most one request a second (``min_interval_s``) on its public server, results cached (on disk, ``cache_dir``),
    no search as you type, and its attribution shown with the results. ``arcgis`` (a GeocodeServer's
    ``findAddressCandidates``, Esri's World geocoder by default) may not have its results stored: they are kept in
    memory for the running server only. ``bounds`` (west, south, east, north; degrees, EPSG:4326) keeps results
    local."""

    kind: Literal["off", "nominatim", "arcgis"] = "off"
    url: str | None = Field(default=None, pattern=r"^https?://[^\s<>\"']+$", max_length=300)
    """The search endpoint; None: the kind's public service (:data:`NOMINATIM_URL`, :data:`ARCGIS_URL`)."""
    user_agent: str | None = Field(default=None, max_length=200)
    """Your application's name and a contact (``south-la-safety-map/1.0 (ops@example.org)``); required when on."""
    token: str | None = Field(default=None, max_length=2000)
    """An ArcGIS access token, when the GeocodeServer needs one (set it in the environment, not in the file)."""
    min_interval_s: float = Field(default=1.0, ge=0, le=60)
    timeout_s: float = Field(default=10.0, gt=0, le=120)
    cache_dir: Path = Path("data/cache/geocode")
    bounds: tuple[float, float, float, float] = (-118.40, 33.88, -118.15, 34.10)
    max_results: int = Field(default=5, ge=1, le=20)
    attribution: str | None = Field(default=None, max_length=300)
    """Shown with every online result; None: the kind's own (:data:`ATTRIBUTIONS`)."""

    @field_validator("kind", mode="before")
    @classmethod
    def _yaml_off(cls, value: object) -> object:
        return "off" if value is False else value  # YAML reads an unquoted off as false

    @model_validator(mode="after")
    def _usable(self) -> GeocoderSettings:
        west, south, east, north = self.bounds
        if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
            msg = f"bounds must be [west, south, east, north] in degrees, got {list(self.bounds)}"
            raise ValueError(msg)
        if self.kind == "off":
            return self
        agent = (self.user_agent or "").strip()
        if not agent or agent.lower().startswith(LIBRARY_AGENTS):
            msg = (
                f"user_agent must name this application and a contact when the geocoder is on (kind {self.kind}), "
                f"got {self.user_agent!r}"
            )
            raise ValueError(msg)
        if self.kind == "nominatim" and PUBLIC_NOMINATIM_HOST in self.endpoint and self.min_interval_s < 1.0:
            msg = (
                "min_interval_s must be at least 1 on the public Nominatim server (its usage policy), "
                f"got {self.min_interval_s}"
            )
            raise ValueError(msg)
        return self

    @property
    def endpoint(self) -> str:
        """The URL searched: ``url``, or the kind's public service."""
        return self.url or (ARCGIS_URL if self.kind == "arcgis" else NOMINATIM_URL)

    @property
    def credit(self) -> str:
        """The attribution shown with online results: ``attribution``, or the kind's own."""
        return self.attribution or ATTRIBUTIONS.get(self.kind, "")


class SearchSettings(Frozen):
    """The search box (``search``): places, intersections and addresses found offline, and an online geocoder.

    ``addresses`` are the address points searched while the store holds no address layer (the demo's synthetic ones,
    beside the demo's synthetic incidents only); ``same_point_m`` merges meeting points of two streets closer than
    this (a divided road); ``limit`` results are listed."""

    addresses: Path | None = Path("data/demo/addresses.parquet")
    limit: int = Field(default=8, ge=1, le=50)
    same_point_m: float = Field(default=30.0, ge=0, le=500)
    geocoder: GeocoderSettings = GeocoderSettings()
