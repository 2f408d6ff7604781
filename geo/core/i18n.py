"""Message catalogs and locale-aware formatting (English and Spanish).

Catalogs are JSON files in ``geo/core/locales/`` (``en.json`` for the common keys and ``en.<domain>.json``
for map, trends, rates, patrol, exports, data and the survey (with the Community page), likewise
``es``), flat mappings from a dotted key to a text with ``{name}`` placeholders. Numbers and dates are formatted with
babel for ``en_US`` and ``es_US`` (Spanish as written in the United States).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Literal

from babel.dates import format_date as _babel_date
from babel.numbers import format_decimal, format_percent

from geo.core.errors import ConfigError

Lang = Literal["en", "es"]
LANGS: tuple[Lang, ...] = ("en", "es")
LOCALES: Mapping[str, str] = {"en": "en_US", "es": "es_US"}
LOCALE_DIR = Path(__file__).resolve().parent / "locales"


def check_lang(lang: str) -> Lang:
    """Return ``lang`` if it is a supported language code, else raise."""
    if lang not in LANGS:
        msg = f"unsupported language {lang!r}; expected one of {list(LANGS)}"
        raise ConfigError(msg)
    return lang


def catalog_files(lang: str) -> list[Path]:
    """The catalog files of ``lang``: ``<lang>.json`` and one ``<lang>.<area>.json`` per area of the product."""
    code = check_lang(lang)
    return [LOCALE_DIR / f"{code}.json", *sorted(LOCALE_DIR.glob(f"{code}.*.json"))]


@lru_cache(maxsize=4)
def catalog(lang: str) -> Mapping[str, str]:
    """The message catalog of ``lang`` (read once): the union of its catalog files; a key defined twice is an error."""
    merged: dict[str, str] = {}
    for path in catalog_files(lang):
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            msg = f"message catalog {path} must be a JSON object"
            raise ConfigError(msg)
        twice = sorted(set(data) & set(merged))
        if twice:
            msg = f"message catalog {path.name} defines keys already defined in another file: {twice[:5]}"
            raise ConfigError(msg)
        merged.update(data)
    return merged


def t(key: str, lang: str, /, **params: object) -> str:
    """Translate ``key`` into ``lang`` and fill its ``{placeholders}`` (missing keys raise KeyError)."""
    text = catalog(lang)[key]
    return text.format(**params) if params else text


def fmt_int(value: float, lang: str) -> str:
    """Whole number with the language's grouping (``1,234`` / ``1,234`` in es_US)."""
    return format_decimal(round(value), format="#,##0", locale=LOCALES[check_lang(lang)])


def fmt_num(value: float, lang: str, *, digits: int = 1) -> str:
    """Decimal number with ``digits`` decimals."""
    pattern = "#,##0." + "0" * digits if digits > 0 else "#,##0"
    return format_decimal(value, format=pattern, locale=LOCALES[check_lang(lang)])


def fmt_pct(value: float, lang: str) -> str:
    """A fraction as a signed percentage (``-23%``)."""
    text = format_percent(value, format="#,##0%", locale=LOCALES[check_lang(lang)])
    return f"+{text}" if value > 0 else text


def fmt_share(value: float, lang: str) -> str:
    """A share in 0..1 as a percentage, unsigned (``42%`` / ``42 %``)."""
    return str(format_percent(value, format="#,##0%", locale=LOCALES[check_lang(lang)]))


ErrorPattern = tuple["re.Pattern[str]", str, tuple[str, ...]]
"""A known English error message: its pattern, the catalog key that says it, the names of its groups."""


def match_error(text: str, patterns: Sequence[ErrorPattern]) -> tuple[str, dict[str, str]] | None:
    """The catalog key and the named values of the first pattern ``text`` matches; None for an unknown error.

    Errors are worded in English for the command line; a page maps the known ones to its catalog so a
    Spanish page never shows English inside a Spanish sentence."""
    for pattern, key, names in patterns:
        found = pattern.search(text)
        if found:
            return key, dict(zip(names, found.groups(), strict=True))
    return None


def fmt_date(value: dt.date, lang: str, *, style: str = "medium") -> str:
    """A date in the language's format (``Mar 7, 2024`` / ``7 mar 2024``)."""
    return _babel_date(value, format=style, locale=LOCALES[check_lang(lang)])


@lru_cache(maxsize=4)
def methods_text(lang: str) -> str:
    """The Methods page (Markdown) in ``lang``."""
    return (LOCALE_DIR / f"methods_{check_lang(lang)}.md").read_text(encoding="utf-8")


def category_label(category: str, lang: str) -> str:
    """Translated name of an offense category (falls back to the code)."""
    return catalog(lang).get(f"category.{category}", category)
