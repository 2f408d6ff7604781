"""A synthetic wave of the residents' assessment for the demo bundle (generated, not anybody's answers).

Two waves (2024-Q3 and 2024-Q4) of respondents living near the demo's parks and housing developments, with
answers that lean the way the demo's synthetic incidents lean (less safe after dark near the places with more
incidents), demographics drawn from the demo's synthetic residents, a few marked places each, and a few answers
in the resident's own words (synthetic, to show that they never appear). Fixed seed: the same file every time.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np

from geo.core.projection import lonlat_to_metric, metric_to_lonlat
from geo.core.store import write_geoparquet
from geo.survey.answers import MARK, RESPONDENT, frame_of
from geo.survey.questions import CHOICES

SEED = 20240701
NOTE = "Synthetic demo survey: generated answers, not residents' own. No names."
WAVES = (("2024-Q3", dt.date(2024, 7, 1)), ("2024-Q4", dt.date(2024, 10, 1)))
PER_PLACE = (14, 34)
"""Respondents per place and wave (a few places fall under the minimum, as in a real first wave)."""
_OTHER_TEXT = ("synthetic: the bus stop on the corner", "synthetic: cars racing at night")


def _likert(rng: np.random.Generator, p_safe: float, scale: str) -> str:
    first, second, third, fourth, unknown = CHOICES[scale]
    if rng.random() < 0.05:
        return unknown
    if rng.random() < p_safe:
        return first if rng.random() < 0.4 else second
    return fourth if rng.random() < 0.4 else third


def _pick(rng: np.random.Generator, options: tuple[str, ...], shares: tuple[float, ...]) -> str:
    return str(rng.choice(options, p=np.asarray(shares) / sum(shares)))


def _answers(rng: np.random.Generator, lean: float) -> dict[str, Any]:
    row: dict[str, Any] = {"consent": "yes"}
    row["safe_day"] = _likert(rng, min(0.95, lean + 0.3), "safe4")
    row["safe_night"] = _likert(rng, lean - 0.15, "safe4")
    row["safe_park"] = _likert(rng, lean, "safe4")
    trust = 0.35 + 0.3 * rng.random()
    for name in ("trust_officers", "respect", "heard"):
        row[name] = _likert(rng, trust, "agree4")
    concerns = rng.choice(CHOICES["concern"], size=int(rng.integers(1, 4)), replace=False)
    row["concerns"] = " ".join(c for c in CHOICES["concern"] if c in set(concerns))
    row["concern_other"] = str(rng.choice(_OTHER_TEXT)) if "other" in row["concerns"] else None
    used = rng.choice(CHOICES["service"][:-1], size=int(rng.integers(0, 3)), replace=False)
    row["services_used"] = " ".join(c for c in CHOICES["service"] if c in set(used)) or "none"
    wanted = rng.choice(CHOICES["service"][:-1], size=int(rng.integers(1, 3)), replace=False)
    row["services_wanted"] = " ".join(c for c in CHOICES["service"] if c in set(wanted))
    row["age_group"] = _pick(rng, CHOICES["age"], (0.12, 0.2, 0.28, 0.34, 0.06))
    row["sex"] = _pick(rng, CHOICES["sex"], (0.6, 0.36, 0.01, 0.03))
    row["ethnicity"] = _pick(rng, CHOICES["ethnicity"], (0.62, 0.3, 0.02, 0.01, 0.02, 0.03))
    return row


def _near(rng: np.random.Generator, x: float, y: float, spread_m: float) -> tuple[float, float]:
    lon, lat = metric_to_lonlat(np.array([x + rng.normal(0, spread_m)]), np.array([y + rng.normal(0, spread_m)]))
    return round(float(lon[0]), 6), round(float(lat[0]), 6)


def build_survey(places: gpd.GeoDataFrame, incidents: gpd.GeoDataFrame, *, seed: int = SEED) -> gpd.GeoDataFrame:
    """The demo survey layer: respondents (home corner as geometry) and their marked places, two waves."""
    rng = np.random.default_rng(seed)
    chosen = places[places["kind"].isin(["park", "housing"])].reset_index(drop=True)
    centre = chosen.geometry.representative_point()
    cx, cy = lonlat_to_metric(centre.x.to_numpy(), centre.y.to_numpy())
    ix, iy = lonlat_to_metric(incidents.geometry.x.to_numpy(), incidents.geometry.y.to_numpy())
    near = np.array([int(((ix - x) ** 2 + (iy - y) ** 2 < 400.0**2).sum()) for x, y in zip(cx, cy, strict=True)])
    lean = 0.8 - 0.45 * (near - near.min()) / max(1, near.max() - near.min())
    rows: list[dict[str, Any]] = []
    for wave, start in WAVES:
        for i in range(len(chosen)):
            for _ in range(int(rng.integers(*PER_PLACE)) if i % 7 != 3 else int(rng.integers(2, 5))):
                sid = f"demo-{len(rows):05d}"
                home = _near(rng, cx[i], cy[i], 250.0)
                person = {"record": RESPONDENT, "submission_id": sid, "source": "odk", "point": home}
                rows.append({**person, **_answers(rng, float(lean[i])), "wave": wave, "wave_start": start})
                for _ in range(int(rng.integers(0, 3))):
                    avoid = rng.random() < 1.2 - float(lean[i])
                    kind, reasons = ("avoid", (0, 1, 2, 3, 5, 6)) if avoid else ("safe", (7, 8, 9))
                    point = _near(rng, cx[i], cy[i], 120.0 if avoid else 60.0)
                    reason = CHOICES["reason"][int(rng.choice(reasons))]
                    mark = {"record": MARK, "submission_id": sid, "source": "odk", "point": point}
                    rows.append({**mark, "mark_kind": kind, "mark_reason": reason, "wave": wave, "wave_start": start})
    frame = frame_of(rows)
    frame["synthetic"] = True
    return frame


def write_survey(out: Path, places: gpd.GeoDataFrame, incidents: gpd.GeoDataFrame) -> dict[str, Any]:
    """Write the demo wave into the bundle folder ``out`` (``survey.parquet``); return its manifest section."""
    survey = build_survey(places, incidents)
    answered = survey[survey["record"] == RESPONDENT]
    write_geoparquet(survey, out / "survey.parquet", metadata={"source": NOTE, "synthetic": True})
    return {
        "survey": {
            "respondents": len(answered),
            "marks": len(survey) - len(answered),
            "waves": sorted(str(w) for w in answered["wave"].unique()),
            "note": NOTE,
        }
    }
