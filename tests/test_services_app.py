"""The services and conditions layers on the Map page and the registry's editor on the Data page, under AppTest.

AppTest cannot type into an ``st.data_editor`` cell, so the editor's save is run as the page runs it
(:func:`ui.services_editor._save` inside a script with the editor's rows changed in one cell): it must record the
change (action ``services``) and write a new version of the registry layer.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from geo.core.i18n import t
from geo.core.settings import get_settings, use_config
from geo.data import audit
from geo.data.ingest import ingest_file
from geo.data.stores import open_store
from tests.page_helpers import PHISH, live_markup, open_page, page_texts

pytestmark = pytest.mark.app


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_settings: None) -> Path:
    """An empty store of its own (the pages show the demo's example services and synthetic requests)."""
    monkeypatch.setenv("SAFETYMAP__SOURCES__STORE_DIR", str(tmp_path / "store"))
    use_config(None)
    return tmp_path / "store"


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_map_shows_services_and_conditions_with_their_notes(store: Path, lang: str) -> None:
    at = open_page("map", {"lang": lang, "layers": "services,conditions"})
    assert not at.exception, at.exception
    texts = "\n".join(page_texts(at))
    assert t("services.demo", lang) in texts, "the example services are said to be examples"
    assert t("conditions.synthetic", lang) in texts, "the synthetic requests are said to be synthetic"
    lines = [x for x in page_texts(at) if x.startswith(t("services.lines", lang, lines="").rstrip())]
    assert lines, "the lines to call are listed in words"
    assert "988" in lines[0]
    assert "CalVCB" in lines[0]
    if lang == "es":
        assert "Línea" in lines[0], "the Spanish names of the lines to call"
    assert not any(x.startswith("Traceback") for x in page_texts(at))


def test_the_store_registry_replaces_the_examples_on_the_map(store: Path, tmp_path: Path) -> None:
    csv = tmp_path / "reg.csv"
    pd.DataFrame(
        [{"service_id": "line", "kind": "crisis_line", "name": f"Help {PHISH}", "contact": "988", "hours": "24/7",
          "lat": "", "lon": ""}]
    ).to_csv(csv, index=False)  # fmt: skip
    ingest_file(csv, store_dir=store)
    at = open_page("map", {"lang": "en", "layers": "services"})
    assert not at.exception, at.exception
    assert not any(t("services.demo", "en") in x for x in page_texts(at)), "the store's registry is no example"
    assert any("Help" in x and "988" in x for x in page_texts(at))


def test_registry_text_on_the_map_is_escaped(store: Path, tmp_path: Path) -> None:
    csv = tmp_path / "reg.csv"
    pd.DataFrame(
        [{"service_id": "line", "kind": "crisis_line", "name": f"Help {PHISH}", "contact": "988", "hours": "24/7",
          "lat": "", "lon": ""}]
    ).to_csv(csv, index=False)  # fmt: skip
    ingest_file(csv, store_dir=store)
    at = open_page("map", {"lang": "en", "layers": "services"})
    assert not at.exception, at.exception
    assert live_markup(at) == []


def test_the_data_page_shows_the_editor_to_the_local_operator(store: Path) -> None:
    at = open_page("data", {"lang": "en"})
    assert not at.exception, at.exception
    assert any(e.label == t("services.editor.title", "en") for e in at.expander)
    save = at.button(key="d_services_save")
    save.click().run()
    assert not at.exception, at.exception
    assert t("services.editor.unchanged", "en") in [i.value for i in at.info], "nothing edited, nothing saved"
    assert not at.success
    assert audit.read(get_settings()) == []
    assert open_store(store).report("services") is None


def _edit_and_save() -> None:
    """The editor's save with one cell changed (the hours of the 988 line), as the Data page calls it."""
    from geo.core.settings import get_settings as settings_now
    from geo.data.services import editor_rows, registry_of
    from ui.services_editor import _save

    s = settings_now()
    before = registry_of(s, beside_synthetic=True).frame
    rows = editor_rows(before)
    rows.loc[rows["service_id"] == "988", "hours"] = "24 hours, every day"
    _save(s, "en", before, rows)


def _bad_save() -> None:
    from geo.core.settings import get_settings as settings_now
    from geo.data.services import editor_rows, registry_of
    from ui.services_editor import _save

    s = settings_now()
    before = registry_of(s, beside_synthetic=True).frame
    rows = editor_rows(before)
    rows.loc[rows["service_id"] == "988", "url"] = "ftp://nope"
    _save(s, "en", before, rows)


def test_saving_an_edit_records_it_then_writes_a_new_version(store: Path) -> None:
    at = AppTest.from_function(_edit_and_save, default_timeout=60).run()
    assert not at.exception, at.exception
    assert [s.value for s in at.success] == [t("services.editor.saved", "en", n=1, layer="services")]
    rows = [r for r in audit.read(get_settings()) if r["action"] == "services"]
    assert len(rows) == 1
    (change,) = json.loads(rows[0]["what"])
    assert change["action"] == "changed"
    assert change["service_id"] == "988"
    (field,) = change["fields"]
    assert field[0] == "hours", "only the cell edited is recorded as changed"
    assert field[2] == "24 hours, every day"
    assert field[1] != field[2]
    written = open_store(store).read("services")
    assert written.set_index("service_id").loc["988", "hours"] == "24 hours, every day"
    first = open_store(store).report("services")["version"]
    AppTest.from_function(_bad_save, default_timeout=60).run()
    assert open_store(store).report("services")["version"] == first, "a row set aside: nothing is written"
    assert len([r for r in audit.read(get_settings()) if r["action"] == "services"]) == 1


def test_a_bad_row_is_refused_with_its_reason_and_nothing_is_written(store: Path) -> None:
    at = AppTest.from_function(_bad_save, default_timeout=60).run()
    assert not at.exception, at.exception
    assert [e.value for e in at.error] == [t("services.editor.refused", "en", n=1)]
    shown = at.dataframe[0].value
    assert list(shown["reason"]) == ["bad_url"]
    assert list(shown["service_id"]) == ["988"]
    assert open_store(store).report("services") is None
    assert audit.read(get_settings()) == []
