"""Settings: one typed, immutable object; every kind of bad config gives one clear message."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pydantic
import pytest

from geo.cli import main
from geo.core.errors import ConfigError
from geo.core.settings import DEFAULT_CONFIG, Settings, load_settings

ROOT = Path(__file__).resolve().parents[1]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def demo_sources(tmp_path: Path) -> str:
    demo = ROOT / "data" / "demo"
    return (
        "sources:\n"
        f"  incidents: {demo / 'incidents.parquet'}\n"
        f"  places: {demo / 'places.geojson'}\n"
        f"  streets: {demo / 'streets.geojson'}\n"
    )


def test_project_config_loads_with_demo_defaults() -> None:
    s = load_settings(DEFAULT_CONFIG, environ={})
    assert s.focus.default_place == "Harvard Park"
    assert s.sources.incidents == ROOT / "data" / "demo" / "incidents.parquet"
    assert s.distances.rings_m == (75.0, 150.0, 400.0)
    assert s.analysis.nibrs_break == dt.date(2024, 3, 7)
    assert s.config_path == DEFAULT_CONFIG


def test_settings_are_immutable() -> None:
    s = load_settings(DEFAULT_CONFIG, environ={})
    with pytest.raises(pydantic.ValidationError, match="frozen"):
        s.map.zoom = 3  # type: ignore[misc]


def test_relative_paths_resolve_against_the_config_folder(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    for name in ("i.parquet", "p.geojson", "s.geojson"):
        (tmp_path / "d" / name).write_text("x")
    cfg = write(tmp_path, "sources:\n  incidents: d/i.parquet\n  places: d/p.geojson\n  streets: d/s.geojson\n")
    s = load_settings(cfg, environ={})
    assert s.sources.incidents == tmp_path / "d" / "i.parquet"
    assert s.sources.store_dir == tmp_path / "data" / "cache"


def test_unknown_key_is_named_with_the_file(tmp_path: Path) -> None:
    cfg = write(tmp_path, demo_sources(tmp_path) + "map:\n  zoom: 12\n  zooom: 3\n")
    with pytest.raises(ConfigError, match=r"map\.zooom: unknown key") as err:
        load_settings(cfg, environ={})
    assert str(cfg) in str(err.value)


def test_wrong_type_names_key_and_value(tmp_path: Path) -> None:
    cfg = write(tmp_path, demo_sources(tmp_path) + "map:\n  zoom: twelve\n")
    with pytest.raises(ConfigError, match=r"map\.zoom: .*integer.*'twelve'"):
        load_settings(cfg, environ={})


def test_bad_date_is_named(tmp_path: Path) -> None:
    cfg = write(tmp_path, demo_sources(tmp_path) + "analysis:\n  nibrs_break: 2024-13-45\n")
    with pytest.raises(ConfigError, match=r"analysis\.nibrs_break"):
        load_settings(cfg, environ={})


def test_missing_config_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load_settings(tmp_path / "nope.yaml", environ={})


def test_config_pointing_at_missing_data_file(tmp_path: Path) -> None:
    cfg = write(tmp_path, demo_sources(tmp_path).replace("incidents.parquet", "gone.parquet"))
    with pytest.raises(ConfigError, match=r"sources\.incidents: file not found: .*gone\.parquet"):
        load_settings(cfg, environ={})


def test_invalid_yaml_reports_the_line(tmp_path: Path) -> None:
    cfg = write(tmp_path, "map:\n  zoom: [1, 2\n")
    with pytest.raises(ConfigError, match="not valid YAML at line"):
        load_settings(cfg, environ={})


def test_top_level_must_be_a_mapping(tmp_path: Path) -> None:
    cfg = write(tmp_path, "- a\n- b\n")
    with pytest.raises(ConfigError, match="must hold a mapping"):
        load_settings(cfg, environ={})


def test_rings_must_increase(tmp_path: Path) -> None:
    cfg = write(tmp_path, demo_sources(tmp_path) + "distances:\n  rings_m: [150, 75]\n")
    with pytest.raises(ConfigError, match=r"distances\.rings_m: ring distances must increase"):
        load_settings(cfg, environ={})


def test_focus_default_must_be_listed(tmp_path: Path) -> None:
    cfg = write(tmp_path, demo_sources(tmp_path) + "focus:\n  default_place: Nowhere\n  places: [Harvard Park]\n")
    with pytest.raises(ConfigError, match="Nowhere"):
        load_settings(cfg, environ={})


def test_the_metric_crs_is_not_a_setting(tmp_path: Path) -> None:
    # Measurements use EPSG:32611 throughout (geo/core/projection.py); a key that changed nothing is refused.
    cfg = write(tmp_path, demo_sources(tmp_path) + "analysis:\n  metric_crs: EPSG:2229\n")
    with pytest.raises(ConfigError, match="metric_crs"):
        load_settings(cfg, environ={})


def test_environment_overrides_single_keys_and_file() -> None:
    env = {"SAFETYMAP__MAP__ZOOM": "15", "SAFETYMAP__DISTANCES__RINGS_M": "[50, 100]"}
    s = load_settings(None, environ={"SAFETYMAP_CONFIG": str(DEFAULT_CONFIG), **env})
    assert s.map.zoom == 15
    assert s.distances.rings_m == (50.0, 100.0)


def test_environment_override_is_validated() -> None:
    with pytest.raises(ConfigError, match=r"map\.zoom"):
        load_settings(DEFAULT_CONFIG, environ={"SAFETYMAP__MAP__ZOOM": "99"})


def test_cli_bad_config_is_one_line_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str], fresh_settings) -> None:
    cfg = write(tmp_path, demo_sources(tmp_path) + "map:\n  zoom: twelve\n")
    assert main(["--config", str(cfg), "config"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "map.zoom" in err
    assert str(cfg) in err
    assert "Traceback" not in err


def test_cli_prints_effective_settings(capsys: pytest.CaptureFixture[str], fresh_settings) -> None:
    assert main(["--config", str(DEFAULT_CONFIG), "config"]) == 0
    out = Settings.model_validate_json(capsys.readouterr().out)
    assert out.focus.default_place == "Harvard Park"


def test_cli_help_lists_commands(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    assert "demo" in capsys.readouterr().out


def test_bad_environment_override_names_the_variable_not_the_file() -> None:
    with pytest.raises(ConfigError) as info:
        load_settings(DEFAULT_CONFIG, environ={"SAFETYMAP__MAP__ZOOM": "99"})
    message = str(info.value)
    assert "SAFETYMAP__MAP__ZOOM" in message
    assert "got 99" in message
    assert str(DEFAULT_CONFIG) not in message


def test_unknown_environment_key_names_the_variable() -> None:
    with pytest.raises(ConfigError, match=r"SAFETYMAP__MAP__ZOMM: map\.zomm: unknown key") as info:
        load_settings(DEFAULT_CONFIG, environ={"SAFETYMAP__MAP__ZOMM": "3"})
    assert "config.yaml" not in str(info.value)


def test_file_and_environment_problems_are_told_apart(tmp_path: Path) -> None:
    cfg = write(tmp_path, demo_sources(tmp_path) + "map:\n  zoom: twelve\n")
    with pytest.raises(ConfigError) as info:
        load_settings(cfg, environ={"SAFETYMAP__PATROL__MAX_STOPS": "0"})
    message = str(info.value)
    assert f"bad config in {cfg}: map.zoom" in message
    assert "environment variable SAFETYMAP__PATROL__MAX_STOPS: patrol.max_stops" in message
    assert f"{cfg}: patrol" not in message


def test_missing_data_file_from_environment_names_the_variable(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"SAFETYMAP__SOURCES__INCIDENTS: sources\.incidents: file not found"):
        load_settings(DEFAULT_CONFIG, environ={"SAFETYMAP__SOURCES__INCIDENTS": str(tmp_path / "nope.parquet")})
