"""South LA community-safety map: ``streamlit run app.py [-- --config PATH]``."""

from __future__ import annotations

import sys

import streamlit as st

from geo.core.i18n import t
from ui.boot import boot, current_lang, sync_lang_url

settings = boot(sys.argv[1:])
lang = current_lang(settings)
pages = {
    "map": st.Page("pages/map.py", title=t("nav.map", lang), icon=":material/map:", url_path="map", default=True),
    "trends": st.Page("pages/trends.py", title=t("nav.trends", lang), icon=":material/monitoring:", url_path="trends"),
    "present": st.Page(
        "pages/present.py", title=t("nav.present", lang), icon=":material/co_present:", url_path="present"
    ),
    "route": st.Page("pages/route.py", title=t("nav.route", lang), icon=":material/directions_walk:", url_path="route"),
}
plain = [
    st.Page("pages/data.py", title=t("nav.data", lang), icon=":material/database:", url_path="data"),
    st.Page("pages/methods.py", title=t("nav.methods", lang), icon=":material/menu_book:", url_path="methods"),
]
page = st.navigation([*pages.values(), *plain])
sync_lang_url(settings)
page.run()
