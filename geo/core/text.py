"""Safe text for people: values echoed back on a page, and cells of CSV files people open.

Pure helpers, used everywhere a value that came from outside (a URL, a file, a config) is
shown or exported:

* :func:`terminal_text` (lines kept) and :func:`clean` (one line) are the one cleaner of text for a
  terminal or a plain-text widget: control characters (``ESC``, so no colour or cursor escape
  codes), invisible formatting characters and line separators removed.

* :func:`echo` turns any value into inert text for a Markdown or HTML context: control and
  invisible formatting characters removed, passwords masked (:func:`geo.core.errors.mask_secrets`),
  cut to a length limit with an ellipsis, then every
  Markdown or HTML special character escaped, so ``[x](http://evil.example)`` or
  ``<img src=...>`` is shown literally and never becomes a link, an image or markup.
* :func:`csv_safe` / :func:`to_csv_text` neutralise spreadsheet formulas: a text cell that starts
  with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading ``'`` (OWASP "CSV
  injection"), so ``=HYPERLINK(...)`` opens as text in Excel, LibreOffice or Google Sheets.
"""

from __future__ import annotations

import html
import re
import string
import unicodedata
from typing import Any, Literal, cast

import pandas as pd

from geo.core.errors import DataError, mask_secrets

ECHO_LIMIT = 120
"""Default length (characters) of an echoed value, ellipsis included."""
ELLIPSIS = "\u2026"
CSV_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""Characters that make a spreadsheet read a cell as a formula (OWASP)."""
CSV_ESCAPE = "'"

_DROP_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cs", "Zl", "Zp"})
_MARKDOWN_SPECIAL = frozenset(string.punctuation)  # CommonMark lets every ASCII punctuation be escaped
_AUTOLINK = re.compile(r"https?:|www(?=\.)|@", re.IGNORECASE)  # where GFM starts a bare-URL or e-mail link
WORD_JOINER = "\u2060"
"""Invisible; put after ``http:``, ``www`` and ``@`` so Markdown does not turn a bare URL or address into a link."""
_NUMBER = re.compile(r"[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?")

Markup = Literal["markdown", "html", "text"]


_LINE_CONTROLS = frozenset("\t\n\r")
"""Control characters :func:`terminal_text` keeps: tab, line feed, carriage return (a progress line)."""


def _drop_controls(text: str, keep: frozenset[str]) -> str:
    return "".join(ch for ch in text if ch in keep or unicodedata.category(ch) not in _DROP_CATEGORIES)


def terminal_text(value: object) -> str:
    """``value`` safe for a terminal, its lines kept: every control and invisible formatting character
    removed but tab, line feed and carriage return (so ``ESC[31m`` loses its ``ESC`` and stays inert text)."""
    return _drop_controls("" if value is None else str(value), _LINE_CONTROLS)


def clean(value: object) -> str:
    """``value`` as one line of text: control and invisible formatting characters removed.

    Line breaks and tabs become spaces, runs of white space become one space, and the ends are
    stripped; ``None`` is the empty string.
    """
    text = "" if value is None else str(value)
    spaced = "".join(" " if ch in "\t\n\r\v\f" else ch for ch in text)
    return " ".join(_drop_controls(spaced, frozenset()).split())


def clip(text: str, *, limit: int = ECHO_LIMIT) -> str:
    """``text`` cut to at most ``limit`` characters, the last one an ellipsis when cut."""
    if limit < 1:
        msg = f"limit must be at least 1 character, got {limit}"
        raise DataError(msg)
    return text if len(text) <= limit else text[: limit - 1] + ELLIPSIS


def escape_markdown(text: str) -> str:
    """Backslash-escape every ASCII punctuation character, so Markdown (and HTML in it) stays text."""
    return "".join("\\" + ch if ch in _MARKDOWN_SPECIAL else ch for ch in text)


def echo(value: object, *, limit: int = ECHO_LIMIT, markup: Markup = "markdown") -> str:
    """A value from a URL, a file or a config, made safe to show to a person.

    Parameters
    ----------
    value
        Anything; it is turned into text with ``str``.
    limit
        Longest result before escaping, in characters (ellipsis included).
    markup
        Where the text goes: ``"markdown"`` (Streamlit ``st.markdown``/``st.warning``...: every
        special character is backslash-escaped), ``"html"`` (an HTML page or popup: ``& < > " '``
        become entities) or ``"text"`` (a plain-text widget or a terminal: cleaned and cut only).

    Returns
    -------
    str
        One line of inert text, with the password of any URL in it masked.
    """
    text = clip(mask_secrets(clean(value)), limit=limit)
    if markup == "markdown":  # GFM links bare URLs even in escaped text: a word joiner breaks the pattern
        return escape_markdown(_AUTOLINK.sub(lambda m: m.group(0) + WORD_JOINER, text))
    if markup == "html":
        return html.escape(text, quote=True)
    if markup == "text":
        return text
    msg = f"markup must be 'markdown', 'html' or 'text', got {markup!r}"
    raise DataError(msg)


def csv_cell(value: object) -> object:
    """One CSV cell with formulas neutralised: a risky text cell gets a leading ``'``.

    Numbers (and text that is only a number, such as ``-118.29``) are left as they are: a
    spreadsheet reads them as numbers, never as formulas. Other values pass unchanged.
    """
    if isinstance(value, str) and value.startswith(CSV_FORMULA_START) and not _NUMBER.fullmatch(value):
        return CSV_ESCAPE + value
    return value


def csv_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells and column names are passed through :func:`csv_cell`."""
    out = frame.copy()
    out.columns = pd.Index([csv_cell(c) for c in out.columns])
    for i, dtype in enumerate(out.dtypes):
        if pd.api.types.is_object_dtype(dtype) or isinstance(dtype, pd.StringDtype):
            col = out.iloc[:, i]
            cells = col.map(csv_cell, na_action="ignore").astype(col.dtype)
            out.isetitem(i, cast(Any, cells))  # cast: pandas-stubs leave out the Series that pandas takes here
    return out


def to_csv_text(frame: pd.DataFrame) -> str:
    """``frame`` as CSV for people: no index, LF line ends, empty missing cells, formulas neutralised."""
    return str(csv_safe(frame).to_csv(index=False, lineterminator="\n", na_rep=""))
