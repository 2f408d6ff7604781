"""Text alternatives for maps and charts: a sentence of what the figure shows, its numbers as a table, a CSV.

Call :func:`text_alternative` right after the figure. The sentence is written as ordinary page
text (a screen reader reaches it in reading order); the table and its download sit in a folded
section under it, so the page stays short for sighted readers. The table is a real HTML
``<table>`` (:func:`html_table`: header cells with their scope, a caption, a focusable region
that scrolls sideways on a phone), which every screen reader walks cell by cell; it also needs
none of the data grid's 1.2 MB of scripts, so a page whose only tables are these draws sooner.
"""

from __future__ import annotations

import math
import numbers
from html import escape

import pandas as pd
import streamlit as st

from geo.core.errors import DataError
from geo.core.i18n import fmt_int, t
from geo.core.text import to_csv_text


def _cell(value: object, lang: str) -> tuple[str, bool]:
    """A cell's text (escaped) and whether it is a number (right-aligned)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return "", False
    if isinstance(value, bool):
        return escape(str(value)), False
    if isinstance(value, numbers.Integral):
        return fmt_int(int(value), lang), True
    if isinstance(value, numbers.Real):
        number = float(value)
        return ("", False) if math.isnan(number) else (escape(str(value)), True)
    return escape(str(value), quote=False), False


def html_table(table: pd.DataFrame, *, lang: str, caption: str, index: bool = False) -> str:
    """``table`` as an accessible HTML table: a caption, ``<th scope>`` headers, escaped cells.

    Whole numbers take the language's grouping; other numbers are written as given. With
    ``index``, the index values are the row headers (``<th scope="row">``) under the index's
    name. The table sits in a focusable region named by ``caption``, which scrolls sideways
    when the table is wider than the screen.
    """
    name = escape(caption)
    head = [escape(str(table.index.name or ""))] if index else []
    head += [escape(str(c)) for c in table.columns]
    rows = []
    for key, values in zip(table.index, table.itertuples(index=False, name=None), strict=True):
        cells = [f'<th scope="row">{_cell(key, lang)[0]}</th>'] if index else []
        for value in values:
            text, number = _cell(value, lang)
            cells.append(f'<td class="num">{text}</td>' if number else f"<td>{text}</td>")
        rows.append(f"<tr>{''.join(cells)}</tr>")
    header = "".join(f'<th scope="col">{h}</th>' for h in head)
    return (
        f'<div class="safetymap-table" role="region" tabindex="0" aria-label="{name}">'
        f"<table><caption>{name}</caption><thead><tr>{header}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


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
    st.html(f'<p class="safetymap-alt">{escape(sentence, quote=False)}</p>')
    label = t("alt.table", lang, rows=len(table))
    with st.expander(label, expanded=expanded):
        st.html(html_table(table, lang=lang, caption=sentence))
        st.download_button(
            t("alt.csv", lang), data=to_csv_text(table), file_name=name, mime="text/csv", key=f"{key}_csv"
        )
