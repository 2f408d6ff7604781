"""The page's own CSS (text contrast of at least 4.5:1, WCAG 2.1 AA; a phone layout that shows the map early) and
the one way an error message reaches the page: as escaped text."""

from __future__ import annotations

from geo.core.text import echo

ERROR_LIMIT = 400
"""Longest error message (characters) an error panel quotes; errors name files and values from outside."""


def error_text(error: BaseException | str) -> str:
    """An error's message as inert Markdown text (never a link, an image or HTML, never a password), cut to
    :data:`ERROR_LIMIT`."""
    return echo(error, limit=ERROR_LIMIT)


CAPTION_COLOUR = "#5c5b5a"
"""Captions and help text: 6.6:1 on white (Streamlit draws them at 60% opacity: 3.9:1)."""

SERIES_COLOURS = ("#4c78a8", "#f58518", "#e45756", "#72b7b2", "#54a24b", "#eeca3b", "#b279a2", "#ff9da6", "#9d755d",
                  "#bab0ac")  # fmt: skip
"""Vega's ``tableau10`` scheme, for the places of a chart by their slot (focus place first): a place keeps its
colour when one before it has no data and is left out."""
PHONE_MAX_PX = 640

PAGE_CSS = f"""<style>
[data-testid="stCaptionContainer"] {{ opacity: 1 !important; }}
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] * {{ color: {CAPTION_COLOUR} !important; }}
[data-testid="stMetricLabel"] * {{ white-space: normal !important; overflow: visible !important;
  text-overflow: clip !important; }}
[data-testid="stDataFrame"], [data-testid="stTable"] {{ max-width: 100%; overflow-x: auto; }}
/* the uploader's own "Limit ... per file" line is English on every page: the page says the limit in its language */
[data-testid="stFileUploaderDropzoneInstructions"] {{ display: none !important; }}
/* chips of a multiselect and button labels wrap instead of being cut */
[data-baseweb="tag"] {{ height: auto !important; max-width: 100% !important; }}
[data-testid="stMultiSelect"] .react-aria-ComboBox > div > div:has(> span) {{ flex-wrap: wrap !important;
  overflow: visible !important; mask-image: none !important; -webkit-mask-image: none !important;
  height: auto !important; }}
[data-testid="stMultiSelect"] .react-aria-ComboBox > div {{ height: auto !important; max-height: none !important; }}
[data-baseweb="tag"] span {{ white-space: normal !important; overflow: visible !important;
  text-overflow: clip !important; }}
[data-testid="stDownloadButton"] button, [data-testid="stButton"] button {{ height: auto; max-width: 100%; }}
[data-testid="stDownloadButton"] button p, [data-testid="stButton"] button p {{ white-space: normal !important; }}
/* text alternatives and small tables: real HTML tables that scroll sideways instead of being cut */
.safetymap-table {{ max-width: 100%; overflow-x: auto; margin-bottom: 0.75rem; }}
.safetymap-table:focus-visible {{ outline: 2px solid #1a5fb4; outline-offset: 2px; }}
.safetymap-table table {{ border-collapse: collapse; font-size: 0.9rem; }}
.safetymap-table caption {{ position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0);
  white-space: nowrap; }}
.safetymap-table th, .safetymap-table td {{ border-bottom: 1px solid #d0d0d0; padding: 0.25rem 0.6rem;
  text-align: left; vertical-align: top; }}
.safetymap-table thead th {{ border-bottom: 2px solid #8a8a8a; }}
.safetymap-table td.num {{ text-align: right; font-variant-numeric: tabular-nums; }}
/* the route's stops: the data grid on a wide screen, a wrapping table on a phone (app_pages/route.py) */
.st-key-route_stops_phone {{ display: none !important; }}
.st-key-route_stops_phone table {{ width: 100%; }}
@media (max-width: {PHONE_MAX_PX}px) {{
  .st-key-route_stops_wide {{ display: none !important; }}
  .st-key-route_stops_phone {{ display: block !important; }}
  .st-key-route_stops_phone table {{ font-size: 0.78rem; }}
  .st-key-route_stops_phone th, .st-key-route_stops_phone td {{ padding: 0.2rem 0.25rem; white-space: nowrap; }}
  /* "Where" and the count take the width the short columns leave, wrapping between words */
  .st-key-route_stops_phone td:nth-child(5), .st-key-route_stops_phone td:nth-child(6) {{ white-space: normal;
    overflow-wrap: anywhere; }}
  [data-testid="stMainBlockContainer"] {{ padding-top: 3.2rem !important; }}
  h1 {{ font-size: 1.35rem !important; line-height: 1.25 !important; padding-bottom: 0.2rem !important; }}
  [data-testid="stAlert"] p {{ font-size: 0.85rem !important; }}
  [data-testid="stAlertContainer"] {{ padding: 0.45rem 0.7rem !important; }}
  /* key figures side by side instead of stacked, so the map comes into the first screen */
  [data-testid="stHorizontalBlock"]:has([data-testid="stMetric"]) {{ flex-wrap: nowrap !important; gap: 0.5rem; }}
  [data-testid="stHorizontalBlock"]:has([data-testid="stMetric"]) > [data-testid="stColumn"] {{
    min-width: 0 !important; width: auto !important; flex: 1 1 0 !important; }}
  [data-testid="stMetricValue"] {{ font-size: 1.3rem !important; }}
  [data-testid="stMetricLabel"] p {{ font-size: 0.75rem !important; line-height: 1.2 !important; }}
  [data-testid="stMetricDelta"] {{ font-size: 0.7rem !important; }}
  /* wide tables (hour x weekday) in a smaller type, so all seven days fit; they scroll if not */
  [data-testid="stTable"] table {{ font-size: 0.72rem !important; }}
  [data-testid="stTable"] th, [data-testid="stTable"] td {{ padding: 0.2rem 0.3rem !important; }}
}}
</style>"""
