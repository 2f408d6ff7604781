"""One filter road: the CLI report and the Present page select the same rows for the same filters."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from geo.cli import main

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.app

# Every kind of filter field at once: period, categories, weapon, victim sex, hours and weekdays.
QUERY = {
    "place": "Harvard Park",
    "from": "2016-01-01",
    "to": "2017-12-31",
    "cat": "homicide,assault_with_weapon",
    "weapon": "firearm",
    "sex": "M",
    "hours": "18-3",
    "wd": "4,5,6",
}
FLAGS = [
    "--place", "Harvard Park", "--from", "2016-01-01", "--to", "2017-12-31",
    "--category", "homicide,assault_with_weapon", "--weapon", "firearm",
    "--sex", "M", "--hours", "18-3", "--weekday", "4,5,6",
]  # fmt: skip


def _page_text(privacy: str) -> str:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=240)
    for key, value in QUERY.items():
        at.query_params[key] = value
    at.run()
    at.switch_page("app_pages/present.py").run()
    if privacy == "internal":
        at.radio(key="p_mode").set_value("internal").run()
        at.checkbox(key="p_confirm").check().run()
    assert not at.exception, at.exception
    return "\n".join(t.value for t in at.text)


@pytest.mark.usefixtures("fresh_settings")
@pytest.mark.parametrize("privacy", ["internal", "public"])
def test_cli_report_and_present_page_give_the_same_figures(capsys, tmp_path, privacy: str) -> None:
    code = main(["report", *FLAGS, "--privacy", privacy, "--out", str(tmp_path / "r.html")])
    out, err = capsys.readouterr()
    assert code == 0, err
    summary = json.loads(out)
    page = _page_text(privacy)
    assert summary["title"] in page
    for key, value in summary["figures"].items():
        assert value in page, (key, value, page)
    # the filters narrow the rows: the same report without them counts more
    code = main(["report", "--place", "Harvard Park", "--from", "2016-01-01", "--to", "2017-12-31",
                 "--privacy", privacy, "--out", str(tmp_path / "all.html")])  # fmt: skip
    wide = json.loads(capsys.readouterr()[0])
    assert code == 0
    assert wide["figures"] != summary["figures"]
