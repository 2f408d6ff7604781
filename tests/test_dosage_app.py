"""The GPX upload on the Patrol page, under AppTest, in both languages."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from geo.core.i18n import t
from tests.dosage_helpers import Walker, metric, to_gpx
from tests.page_helpers import map_frames

pytestmark = pytest.mark.app
ROOT = Path(__file__).resolve().parents[1]
GPX = "application/gpx+xml"


def stop_centres(at: AppTest) -> list[tuple[float, float]]:
    """(lat, lon) of each dosage circle, in stop order, from the dosage map's payload."""
    script = map_frames(at)[-1]
    assert "dosage-" in script
    found = re.findall(r"L\.circle\(\s*\[([-\d.]+),\s*([-\d.]+)\]", script)
    return list(dict.fromkeys((float(a), float(b)) for a, b in found))  # the week layers repeat the stops


def stay_at(lat: float, lon: float, minutes: float) -> bytes:
    x, y = metric(lon, lat)
    w = Walker(x - 300, y, dt.datetime(2025, 5, 6, 17, 0, tzinfo=dt.UTC), jitter_m=5.0, seed=4)
    w.walk_to(x, y)
    w.stay(minutes)
    w.walk_to(x - 300, y)
    return to_gpx(w.points, personal=True).encode("utf-8")


@pytest.mark.parametrize("lang", ["en", "es"])
def test_uploading_tracks_on_the_patrol_page_measures_the_stay(lang: str, tmp_path: Path, monkeypatch, fresh_settings):
    monkeypatch.setenv("SAFETYMAP__SOURCES__STORE_DIR", str(tmp_path))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.query_params["lang"] = lang
    at.query_params["from"] = "2015-01-01"
    at.query_params["to"] = "2017-12-31"
    at.run()
    at.switch_page("app_pages/route.py").run()
    assert not at.exception
    upload = at.get("file_uploader")[0]
    assert upload.label == t("dosage.upload", lang)
    assert t("dosage.none", lang) in [i.value for i in at.info]

    # a first track far from the stops: the map shows every stop, none visited
    far = Walker(*metric(-118.40, 34.05), dt.datetime(2025, 5, 5, 17, 0, tzinfo=dt.UTC))
    far.walk_to(far.x + 500, far.y)
    at.get("file_uploader")[0].set_value(("far.gpx", to_gpx(far.points).encode(), GPX))
    at.run()
    assert not at.exception
    warnings = [w.value.replace("\\", "") for w in at.warning]  # alerts quote file names escaped
    assert any(w.startswith(t("dosage.warn.far", lang, track=1, metres="§").split("§")[0]) for w in warnings)
    centres = stop_centres(at)
    assert centres

    # the walk stays 14 minutes at the first stop; a broken file beside it is set aside with a reason
    lat, lon = centres[0]
    files = [("walk.gpx", stay_at(lat, lon, 14), GPX), ("broken.gpx", b"<gpx><trk", GPX)]
    at.get("file_uploader")[0].set_value(files)
    at.run()
    assert not at.exception
    warnings = [w.value.replace("\\", "") for w in at.warning]  # alerts quote file names escaped
    assert any(w.startswith(t("dosage.file_error", lang, error="")) and "broken.gpx" in w for w in warnings)
    table = next(d.value for d in at.dataframe if t("dosage.col.visits", lang) in d.value.columns)
    first = table.iloc[0]
    assert first[t("dosage.col.visits", lang)] == 1
    assert first[t("dosage.col.minutes", lang)] == pytest.approx(14, abs=1)
    assert (table[t("dosage.col.visits", lang)].iloc[1:] == 0).all()
    reached = next(m.value for m in at.metric if m.label == t("dosage.reached", lang))
    assert reached == f"1 / {len(centres)}"
    assert re.fullmatch(r"\d{4}-\d\d-\d\d", str(first[t("dosage.col.first", lang)]))  # a whole day
    # one visit or none: no gap, written as a dash (explained under the table), never "None"
    assert set(table[t("dosage.col.gap", lang)]) == {"—"}
    assert any(c.value == t("dosage.gap_note", lang) for c in at.caption)
    # the walks are in May 2025 and the demo's incidents end in December 2024: no data, not 0
    weekly = next(d.value for d in at.dataframe if t("dosage.col.incidents", lang) in d.value.columns)
    assert set(weekly[t("dosage.col.incidents", lang)]) == {t("source.no_data", lang)}
    assert any(t("dosage.weekly_no_data", lang, first="§", last="§").split("§")[0] in c.value for c in at.caption)
    page = json.dumps([d.value.to_dict() for d in at.dataframe], default=str) + " ".join(w.value for w in at.warning)
    assert "Jane Roe" not in page
    assert not list(tmp_path.glob("tracks/*.parquet"))  # nothing is kept unless asked
