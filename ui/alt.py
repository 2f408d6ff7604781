"""Text alternatives for maps and charts: a sentence of what the figure shows, its numbers as a table, a CSV.

Call :func:`text_alternative` right after the figure. The sentence is written as ordinary page
text (a screen reader reaches it in reading order); the table and its download sit in a folded
section under it, so the page stays short for sighted readers.
"""

from __future__ import annotations

from html import escape

import pandas as pd
import streamlit as st

from geo.core.errors import DataError
from geo.core.i18n import t
from geo.core.text import to_csv_text


def text_alternative(
    sentence: str,
    table: pd.DataFrame,
    *,
    key: str,
    file_name: str,
    lang: str,
    expanded: bool = False,
) -> None:
    """Write a figure's text alternative: ``sentence``, then ``table`` with a CSV download of the same rows.

    Parameters
    ----------
    sentence
        What the figure shows, in the user's language (one or two short sentences).
    table
        The figure's numbers, with column names in the user's language (written as shown; no index).
    key
        Unique widget key on the page (the download button's key is derived from it).
    file_name
        Download file name; ``.csv`` is appended when missing.
    lang
        Language of the labels (``"en"`` or ``"es"``).
    expanded
        Start with the table unfolded.

    Raises
    ------
    DataError
        ``table`` is not a DataFrame, or ``sentence`` or ``key`` is empty.
    """
    if not isinstance(table, pd.DataFrame):
        msg = f"a text alternative needs a DataFrame, got {type(table).__name__}"
        raise DataError(msg)
    if not sentence.strip() or not key.strip():
        msg = "a text alternative needs a sentence and a widget key"
        raise DataError(msg)
    name = file_name if file_name.lower().endswith(".csv") else f"{file_name}.csv"
    st.markdown(f'<p class="safetymap-alt">{escape(sentence, quote=False)}</p>', unsafe_allow_html=True)
    with st.expander(t("alt.table", lang, rows=len(table)), expanded=expanded):
        st.dataframe(table, hide_index=True, width="stretch")
        st.download_button(
            t("alt.csv", lang), data=to_csv_text(table), file_name=name, mime="text/csv", key=f"{key}_csv"
        )
