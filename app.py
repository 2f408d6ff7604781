"""South LA community-safety map: ``streamlit run app.py [-- --config PATH]``."""

from __future__ import annotations

import sys

import streamlit as st

from geo.core.i18n import t
from ui.access import account_panel, current_access
from ui.boot import boot, current_lang, missing_page, missing_path, sync_lang_url
from ui.source import run_page

settings = boot(sys.argv[1:])
lang = current_lang(settings)
access = current_access(settings)

# (file in app_pages/, catalog key of the title, icon, URL path, whether it reads the store); the first is the
# default page. A page that reads the store shows one panel while the store cannot be reached; Methods does not.
PAGES: tuple[tuple[str, str, str, str, bool], ...] = (
    ("map", "nav.map", ":material/map:", "map", True),
    ("trends", "nav.trends", ":material/monitoring:", "trends", True),
    ("present", "nav.present", ":material/co_present:", "present", True),
    ("route", "nav.route", ":material/directions_walk:", "route", True),
    ("rates", "nav.rates", ":material/groups:", "rates", True),
    ("community", "nav.community", ":material/forum:", "community", True),
    ("data", "nav.data", ":material/database:", "data", True),
    ("methods", "nav.methods", ":material/menu_book:", "methods", False),
)
# Pages only an admin has (for anyone else they do not exist: their address is an unknown page).
ADMIN_PAGES = (("audit", "nav.audit", ":material/policy:", "audit", True),)
PAGES += ADMIN_PAGES if access.admin else ()
DEFAULT_PATH = "home"
visible = [
    st.Page(f"app_pages/{name}.py", title=t(key, lang), icon=icon, url_path=url if i else DEFAULT_PATH, default=i == 0)
    for i, (name, key, icon, url, _) in enumerate(PAGES)
]
# The default page is served at "/" (and reserves /home); its own path, /map, opens the same script as a
# hidden page, so typed and shared links to /map work.
name, key, icon, url, _ = PAGES[0]
alias = st.Page(f"app_pages/{name}.py", title=t(key, lang), icon=icon, url_path=url, visibility="hidden")
reads_store = {each.url_path: row[4] for each, row in zip([*visible, alias], [*PAGES, PAGES[0]], strict=True)}
# A path no page has (/patrol) would run the default page; it is a hidden page saying so, with a link to each page.
asked = missing_path({DEFAULT_PATH, *(row[3] for row in PAGES)})
notices = [missing_page(asked, visible, lang)] if asked is not None else []
page = st.navigation([*visible, alias, *notices])
sync_lang_url(settings)
account_panel(access, settings, lang)
run_page(page, needs_store=reads_store.get(page.url_path, False), lang=lang)
