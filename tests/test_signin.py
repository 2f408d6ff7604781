"""Sign-in and roles in the browser, against a real OpenID Connect provider started by the tests.

The dashboard runs with ``auth.mode: required`` on a real-shaped incident layer (case numbers ``CASE-7Q...``, not
marked synthetic). Nobody without a role may see an exact point or a case number, by any link or control; staff
see them after the confirmation, admins also change the team's workspace; every such use is in the audit record;
each failure of the sign-in (provider down, wrong client secret, expired sign-in, no role) says so in the page's
language while the public view is still served.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from geo.core.i18n import t
from tests.conftest import OfflinePage
from tests.pg_server import free_port
from tests.signin_helpers import (
    ADMIN,
    CASE_PREFIX,
    LAYER,
    NOBODY,
    STAFF,
    audit_rows,
    case_layer,
    everything_shown,
    provider,
    sign_in,
    signin_app,
    use_layer,
)

pytestmark = pytest.mark.browser
FIXTURES = Path(__file__).resolve().parent / "fixtures"
INTERNAL = t("view.internal", "en")
CONFIRM = t("view.internal_confirm", "en")


@pytest.fixture(scope="module")
def issuer(chromium: str) -> Iterator[str]:
    with provider() as url:
        yield url


@dataclass(frozen=True)
class Where:
    """The store a dashboard of this module uses: its folder (the workspace file) and, on PostGIS, the server."""

    folder: Path
    url: str | None = None

    @property
    def store(self) -> Path | str:
        """Where the layers and the audit record are."""
        return self.url or self.folder

    @property
    def env(self) -> dict[str, str]:
        return {"SAFETYMAP__SOURCES__STORE": self.url} if self.url else {}


@pytest.fixture(scope="module", params=["folder", pytest.param("postgis", marks=pytest.mark.postgis)])
def where(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Where:
    """The same checks on the embedded store (a folder) and on a PostGIS server."""
    folder = tmp_path_factory.mktemp(f"signin-{request.param}")
    url = request.getfixturevalue("pg_server").create_db("t_signin") if request.param == "postgis" else None
    place = Where(folder, url)
    case_layer(place.store)
    use_layer(folder)
    return place


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store folder with the case layer as the team's workspace, for the dashboards of one test."""
    place = tmp_path_factory.mktemp("signin-one")
    case_layer(place)
    use_layer(place)
    return place


@pytest.fixture(scope="module")
def store(where: Where) -> Path | str:
    return where.store


@pytest.fixture(scope="module")
def server(issuer: str, where: Where, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    secrets = tmp_path_factory.mktemp("secrets")
    with signin_app("main", issuer, secrets, store_dir=where.folder, env=where.env) as base:
        yield base


@pytest.fixture
def page(browser: object) -> Iterator[OfflinePage]:
    opened = OfflinePage(browser, 1400, 1000)  # type: ignore[arg-type]
    try:
        yield opened
    finally:
        opened.close()


def _open(page: OfflinePage, url: str) -> None:
    page.page.goto(url)
    page.page.locator('[data-testid="stSidebarNav"]').wait_for(timeout=60_000)
    page.settle()
    time.sleep(1)  # the map frame's data arrive just after the script run ends
    page.settle()


def _no_case_numbers(page: OfflinePage) -> None:
    assert CASE_PREFIX not in everything_shown(page)


def _axe_clean(page: OfflinePage) -> None:
    """No serious or critical axe-core violation on what the page shows now."""
    from axe_playwright_python.sync_playwright import Axe

    violations = Axe().run(page.page).response["violations"]
    blocking = [(v["id"], v["impact"]) for v in violations if v["impact"] in ("serious", "critical")]
    assert not blocking, blocking


ANONYMOUS_PATHS = ("/?view=internal", "/trends?view=internal", "/route?view=internal", "/present", "/rates",
                   "/community", "/data", "/audit")  # fmt: skip


@pytest.mark.parametrize("path", ANONYMOUS_PATHS)
def test_an_anonymous_visitor_reaches_no_internal_data_by_any_link(server: str, page: OfflinePage, path: str) -> None:
    sep = "&" if "?" in path else "?"
    _open(page, f"{server}{path}{sep}lang=en")
    if path == "/audit":  # the admin page does not exist for anyone else
        page.page.get_by_text(t("app.missing_title", "en")).first.wait_for(timeout=60_000)
    if path.startswith("/route"):  # the patrol planner draws its stops from where incidents happened
        page.page.get_by_text(t("auth.route_needs_role", "en")).first.wait_for(timeout=60_000)
        assert page.page.locator("iframe").count() == 0
    elif "view=internal" in path:
        page.page.get_by_text(t("auth.internal_needs_role", "en")).first.wait_for(timeout=60_000)
        assert "view=internal" not in page.page.url
    for absent in (INTERNAL, CONFIRM, t("pr.privacy.internal", "en"), t("ws.make_default", "en"),
                   t("ingest.title", "en"), t("nav.audit", "en"), t("dosage.keep", "en"),
                   t("community.paper.title", "en")):  # fmt: skip
        assert page.page.get_by_text(absent, exact=True).count() == 0, absent
    assert page.page.get_by_role("button", name=t("auth.sign_in", "en")).count() == 1
    _no_case_numbers(page)
    _axe_clean(page)
    assert not page.errors, page.errors


def test_staff_see_exact_points_only_after_the_confirmation_and_it_is_recorded(
    server: str, store: Path | str, page: OfflinePage
) -> None:
    before = len(audit_rows(store))
    sign_in(page, server, STAFF)
    _open(page, f"{server}/?lang=en")
    assert page.page.get_by_text("(staff)").count() == 1
    page.page.get_by_text(INTERNAL, exact=True).click()
    page.settle()
    _no_case_numbers(page)  # chosen, not yet confirmed: still the public view
    assert len(audit_rows(store)) == before
    page.page.get_by_text(CONFIRM, exact=True).click()
    page.settle()
    page.map_frame()
    page.page.wait_for_function("1", timeout=1000)
    frame = page.page.locator('iframe[data-testid="stIFrame"]').element_handle(timeout=60_000).content_frame()
    assert frame is not None
    frame.wait_for_function(f"() => document.documentElement.innerHTML.includes({json.dumps(CASE_PREFIX)})",
                            timeout=60_000)  # fmt: skip
    rows = audit_rows(store)[before:]
    assert [(r["who"], r["role"], r["action"], r["what"], r["data"]) for r in rows] == [
        (STAFF, "staff", "internal_view", "map", LAYER)
    ]
    assert "place=Harvard+Park" in rows[0]["filters"]
    # staff do not change the team's data and have no audit page
    _open(page, f"{server}/data?lang=en")
    assert page.page.get_by_role("button", name=t("ws.make_default", "en")).count() == 0
    assert page.page.get_by_text(t("ingest.title", "en")).count() == 0
    assert page.page.get_by_text(t("nav.audit", "en"), exact=True).count() == 0
    assert not page.errors, page.errors


def test_an_internal_export_is_recorded_before_it_is_made(server: str, store: Path | str, page: OfflinePage) -> None:
    sign_in(page, server, STAFF)
    _open(page, f"{server}/present?lang=en")
    page.page.get_by_text(t("pr.privacy.internal", "en"), exact=True).click()
    page.settle()
    page.page.get_by_text(t("pr.internal_confirm", "en"), exact=True).click()
    page.settle()
    page.page.locator('[data-testid="stImage"] img').first.wait_for(timeout=120_000)
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    time.sleep(2)
    page.settle()
    before = len(audit_rows(store))
    download = None
    for _ in range(3):  # a button drawn by a run a later rerun replaced has no file behind it: press it again
        try:
            with page.page.expect_download(timeout=30_000) as pressed:
                page.page.get_by_role("button", name=t("pr.html", "en")).click()
        except PlaywrightTimeout:
            page.settle()
            continue
        download = pressed.value
        break
    assert download is not None
    saved = download.path()
    assert saved is not None
    assert 'class="meta internal"' in Path(saved).read_text(encoding="utf-8")
    rows = audit_rows(store)[before:]
    assert [(r["who"], r["action"], r["what"]) for r in rows] == [(STAFF, "internal_export", "present:html:en")]


def test_an_admin_changes_the_team_workspace_and_reads_the_record(
    server: str, store: Path | str, where: Where, page: OfflinePage
) -> None:
    sign_in(page, server, ADMIN)
    try:
        _open(page, f"{server}/data?lang=en")
        assert page.page.get_by_text("(admin)").count() == 1
        page.page.get_by_role("combobox", name=t("ws.incidents", "en")).click()
        page.page.get_by_role("option", name=t("ws.demo", "en")).click()
        page.settle()
        # the choice is this session's until the admin makes it the team's default
        assert json.loads((where.folder / "workspace.json").read_text())["incidents"] == LAYER
        page.page.get_by_role("button", name=t("ws.make_default", "en")).click()
        page.settle()
        page.page.get_by_text(t("ws.is_team_default", "en")).wait_for(timeout=60_000)
        assert json.loads((where.folder / "workspace.json").read_text())["incidents"] == "demo"
        last = audit_rows(store)[-1]
        assert (last["who"], last["role"], last["action"]) == (ADMIN, "admin", "workspace")
        assert last["what"].startswith("demo")
        page.page.get_by_role("link", name=t("nav.audit", "en")).click()
        page.page.get_by_text(t("audit.title", "en")).first.wait_for(timeout=60_000)
        page.settle()
        grid = page.page.locator('[data-testid="stDataFrame"]')
        grid.wait_for(timeout=60_000)
        assert t("audit.count", "en", rows=len(audit_rows(store))) in page.page.inner_text("body")
        assert not page.errors, page.errors
    finally:
        use_layer(where.folder)


def test_signing_out_returns_to_the_public_view(server: str, page: OfflinePage) -> None:
    sign_in(page, server, STAFF)
    _open(page, f"{server}/?lang=en")
    assert page.page.get_by_text(INTERNAL, exact=True).count() == 1
    page.page.get_by_role("button", name=t("auth.sign_out", "en")).click()
    # the dashboard forgets the person at once, then asks the provider to end its session too
    page.page.wait_for_url(re.compile(r"/oauth2/end_session"), timeout=60_000)
    page.page.get_by_role("button", name="End session").click()
    page.page.wait_for_url(re.compile(re.escape(server) + r"/?(\?.*)?$"), timeout=60_000)
    page.page.get_by_role("button", name=t("auth.sign_in", "en")).wait_for(timeout=60_000)
    _open(page, f"{server}/?view=internal&lang=en")
    assert page.page.get_by_text(INTERNAL, exact=True).count() == 0
    _no_case_numbers(page)


def test_a_person_with_no_role_is_told_so_in_spanish_and_sees_the_public_view(server: str, page: OfflinePage) -> None:
    sign_in(page, server, NOBODY)
    _open(page, f"{server}/?view=internal&lang=es")
    page.page.get_by_text("no tiene un rol en este tablero").first.wait_for(timeout=60_000)
    _axe_clean(page)
    assert page.page.get_by_text(t("view.internal", "es"), exact=True).count() == 0
    _no_case_numbers(page)


def test_an_expired_sign_in_falls_back_to_the_public_view(
    issuer: str, folder: Path, page: OfflinePage, tmp_path: Path
) -> None:
    short = {"SAFETYMAP__AUTH__SESSION_HOURS": str(12 / 3600)}  # a sign-in lasts 12 seconds on this dashboard
    with signin_app("short", issuer, tmp_path, store_dir=folder, env=short) as base:
        sign_in(page, base, STAFF)
        started = time.monotonic()  # the provider issued the sign-in before this
        _open(page, f"{base}/?lang=en")
        assert page.page.get_by_text(INTERNAL, exact=True).count() == 1
        time.sleep(max(0.0, 13 - (time.monotonic() - started)))
        _open(page, f"{base}/?view=internal&lang=en")
        page.page.get_by_text("has expired").first.wait_for(timeout=60_000)
        assert page.page.get_by_text(INTERNAL, exact=True).count() == 0
        assert page.page.get_by_role("button", name=t("auth.sign_in_again", "en")).count() == 1
        _no_case_numbers(page)


@pytest.mark.parametrize("problem", ["client", "unreachable"])
def test_a_sign_in_that_cannot_start_says_why_and_stays_public(
    issuer: str, folder: Path, page: OfflinePage, tmp_path: Path, problem: str
) -> None:
    bad = (
        {"secret": "not-the-secret"}
        if problem == "client"
        else {"metadata_url": f"http://127.0.0.1:{free_port()}/.well-known/openid-configuration"}
    )
    with signin_app(f"bad-{problem}", issuer, tmp_path, store_dir=folder, **bad) as base:  # type: ignore[arg-type]
        _open(page, f"{base}/?lang=es")
        page.page.get_by_role("button", name=t("auth.sign_in", "es")).click()
        page.page.get_by_text(t(f"auth.provider_{problem}", "es")).wait_for(timeout=60_000)
        assert page.page.url.startswith(base)  # never sent to the provider's error page
        _no_case_numbers(page)
        assert not page.errors, page.errors


def test_an_admin_ingests_a_file_with_its_accounting_and_it_is_recorded(
    server: str, store: Path | str, where: Where, page: OfflinePage, tmp_path: Path
) -> None:
    from geo.data.stores import open_store

    sign_in(page, server, ADMIN)
    _open(page, f"{server}/data?lang=en")
    page.page.get_by_text(t("ingest.title", "en")).click()
    chooser = page.page.locator('[data-testid="stFileUploader"] input[type="file"]')
    bad = tmp_path / "notes.csv"
    bad.write_text("this is not,an export\n1,2\n", encoding="utf-8")
    chooser.set_input_files(str(bad))
    page.page.get_by_text("notes.csv").first.wait_for(timeout=60_000)  # uploaded and the page run again
    page.settle()
    page.page.get_by_role("button", name=t("ingest.run", "en")).click()
    page.page.get_by_text("The file was not ingested; the store is unchanged").wait_for(timeout=60_000)
    assert "notes" not in " ".join(e["name"] for e in open_store(store).layers())
    chooser.set_input_files(str(FIXTURES / "osm_parks_harvard.geojson"))
    # the new upload's rerun clears the refusal: only then does Run read the new file
    page.page.get_by_text("The file was not ingested; the store is unchanged").wait_for(
        state="detached", timeout=60_000
    )
    page.settle()
    page.page.get_by_role("button", name=t("ingest.run", "en")).click()
    page.page.get_by_text("Layer parks-osm_parks_harvard: 4 of 4 rows kept").wait_for(timeout=60_000)
    assert "parks-osm_parks_harvard" in [e["name"] for e in open_store(store).layers()]
    assert (where.folder / "uploads" / "osm_parks_harvard.geojson").is_file()
    ingests = [r for r in audit_rows(store) if r["action"] == "ingest"]
    assert [(r["who"], r["role"]) for r in ingests] == [(ADMIN, "admin"), (ADMIN, "admin")]
    assert ingests[-1]["what"] == "osm_parks_harvard.geojson as detected kind into its name"
    _axe_clean(page)
    assert not page.errors, page.errors


def test_staff_keeping_and_deleting_patrol_tracks_is_recorded_first(
    server: str, store: Path | str, where: Where, page: OfflinePage, tmp_path: Path
) -> None:
    import datetime as dt

    from tests.dosage_helpers import Walker, metric, to_gpx

    sign_in(page, server, STAFF)
    _open(page, f"{server}/route?lang=en&network=demo")  # real-shaped incidents: the generated grid, knowingly
    page.page.get_by_text(t("dosage.keep", "en")).wait_for(timeout=120_000)
    x, y = metric(-118.3035, 33.9826)  # beside Harvard Park
    walker = Walker(x - 200, y, dt.datetime(2025, 5, 6, 17, 0, tzinfo=dt.UTC), jitter_m=5.0, seed=3)
    walker.walk_to(x, y)
    walker.stay(5)
    gpx = tmp_path / "walk.gpx"
    gpx.write_text(to_gpx(walker.points), encoding="utf-8")
    before = len(audit_rows(store))
    page.page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(gpx))
    page.settle()
    page.page.get_by_text(t("dosage.keep", "en")).click()
    page.page.get_by_role("button", name=t("dosage.delete", "en")).wait_for(timeout=120_000)
    rows = audit_rows(store)[before:]
    assert [(r["who"], r["action"]) for r in rows] == [(STAFF, "tracks")]
    assert rows[0]["what"].startswith("keep ")
    assert any((where.folder / "tracks").glob("*.parquet"))
    page.page.get_by_text(t("dosage.keep", "en")).click()  # stop keeping, then delete what was kept
    page.settle()
    page.page.get_by_role("button", name=t("dosage.delete", "en")).click()
    page.page.get_by_text(t("dosage.deleted", "en", n=1)).wait_for(timeout=60_000)
    rows = audit_rows(store)[before:]
    assert [(r["action"], r["what"]) for r in rows[1:]] == [("tracks", "delete 1 stored tracks")]
    assert not any((where.folder / "tracks").glob("*.parquet"))
