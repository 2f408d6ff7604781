"""Present and export: a slide, a letter page, a PDF handout and an offline HTML map, privacy-safe by default."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import partial

import streamlit as st

from geo.core.errors import SafetyMapError
from geo.core.i18n import t
from ui import exports
from ui.access import forget_switch, record_switch, session_access
from ui.common import page_context, synthetic_notice
from ui.notes import notes_editor
from ui.style import error_text

ctx = page_context("present")
s, lang, f = ctx.settings, ctx.lang, ctx.filters
if not (f.start and f.end):  # "all dates" in the sidebar: the export covers the data's whole span, as the sidebar says
    f = f.replace(start=f.start or ctx.first, end=f.end or ctx.last)
st.title(t("pr.title", lang))
synthetic_notice(ctx)
st.caption(t("pr.intro", lang))
st.caption(t("pr.period_needed", lang))

c1, c2, c3 = st.columns(3)
choices = ("en", "es")
exports.follow_page_language(lang, choices)
out_lang = c1.radio(t("pr.lang", lang), choices, format_func={"en": "English", "es": "Español"}.get,
                    key=exports.LANG_KEY, horizontal=True)  # fmt: skip
privacy = "public"
if session_access(s).internal:  # for anyone else the switch is absent: public exports only
    mode = c2.radio(t("pr.privacy", lang), ["public", "internal"], format_func=lambda m: t(f"pr.privacy.{m}", lang),
                    key="p_mode")  # fmt: skip
    confirmed = c2.checkbox(t("pr.internal_confirm", lang), key="p_confirm") if mode == "internal" else False
    if mode == "internal" and not confirmed:
        st.info(t("pr.internal_blocked", lang))
    if mode == "internal" and confirmed and record_switch(s, "present", f, lang):
        privacy = "internal"
    elif mode == "public":
        forget_switch("present")
if c3.toggle(t("pr.fullscreen", lang), key="p_full"):
    st.markdown(
        "<style>[data-testid='stSidebar'],[data-testid='stHeader'],[data-testid='stToolbar'],"
        "[data-testid='stSidebarNav']{display:none !important}</style>",
        unsafe_allow_html=True,
    )

notes = notes_editor(s, lang, center=s.map.center, zoom=max(s.map.zoom, 14))  # drawn on every export below
try:
    slide = exports.report_bytes(s, f, lang=out_lang, privacy=privacy, fmt="png-slide", notes=notes)
except SafetyMapError as exc:
    st.error(t("pr.error", lang, error=error_text(exc)))
    st.stop()
title, alternative = exports.report_text(s, f, lang=out_lang, privacy=privacy, notes=notes)
st.image(slide, width="stretch", alt=f"{title}. {alternative}")
with st.expander(t("pr.text_version", lang)):
    st.text(f"{title}\n\n{alternative}")

slug = re.sub(r"[^a-z0-9]+", "-", (f.place or "report").lower()).strip("-") or "report"  # "Jackie Tatum/Harvard ..."
stem = f"{slug}-{privacy}-{out_lang}"
d1, d2, d3, d4 = st.columns(4)
export = partial(exports.export_data, s, f, lang=out_lang, privacy=privacy, notes=notes)
slide_data: bytes | Callable[[], bytes | str] = slide if privacy == "public" else export(fmt="png-slide")
d1.download_button(t("pr.slide", lang), data=slide_data, file_name=f"{stem}-slide.png", mime="image/png",
                   key="p_slide")  # fmt: skip
d2.download_button(t("pr.letter", lang), data=export(fmt="png-letter"), file_name=f"{stem}-letter.png",
                   mime="image/png", key="p_letter")  # fmt: skip
d3.download_button(t("pr.pdf", lang), data=export(fmt="pdf"), file_name=f"{stem}.pdf", mime="application/pdf",
                   key="p_pdf")  # fmt: skip
d4.download_button(t("pr.html", lang), data=export(fmt="html"), file_name=f"{stem}.html", mime="text/html",
                   key="p_html")  # fmt: skip
