"""South LA community-safety map: ``streamlit run app.py [-- --config PATH]``."""

from __future__ import annotations

import sys

import streamlit as st

from geo.core.i18n import t
from ui.boot import boot, current_lang, sync_lang_url

settings = boot(sys.argv[1:])
lang = current_lang(settings)

# (file in app_pages/, catalog key of the title, icon, URL path); the first is the default page.
PAGES = (
    ("map", "nav.map", ":material/map:", "map"),
    ("trends", "nav.trends", ":material/monitoring:", "trends"),
    ("present", "nav.present", ":material/co_present:", "present"),
    ("route", "nav.route", ":material/directions_walk:", "route"),
    ("rates", "nav.rates", ":material/groups:", "rates"),
    ("data", "nav.data", ":material/database:", "data"),
    ("methods", "nav.methods", ":material/menu_book:", "methods"),
)
visible = [
    st.Page(f"app_pages/{name}.py", title=t(key, lang), icon=icon, url_path=url if i else "home", default=i == 0)
    for i, (name, key, icon, url) in enumerate(PAGES)
]
# The default page is served at "/" (and reserves /home); its own path, /map, opens the same script as a
# hidden page, so typed and shared links to /map work.
name, key, icon, url = PAGES[0]
alias = st.Page(f"app_pages/{name}.py", title=t(key, lang), icon=icon, url_path=url, visibility="hidden")
page = st.navigation([*visible, alias])
sync_lang_url(settings)
page.run()
