"""The upload limit is said in the page's language and is the one the dosage reader applies."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from geo.core.settings import get_settings
from tests.page_helpers import open_page

ROOT = Path(__file__).resolve().parents[1]


def test_streamlits_upload_limit_is_the_gpx_limit(fresh_settings: None) -> None:
    server = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))["server"]
    assert server["maxUploadSize"] == get_settings().dosage.max_file_mb


@pytest.mark.app
@pytest.mark.parametrize(("lang", "said"), [("es", "Archivos GPX de hasta 20 MB cada uno."),
                                             ("en", "GPX files of up to 20 MB each.")])  # fmt: skip
def test_the_route_page_says_the_limit_in_its_language(lang: str, said: str, fresh_settings: None) -> None:
    at = open_page("route", {"lang": lang})
    assert not at.exception, at.exception
    assert said in [c.value for c in at.caption]
