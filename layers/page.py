"""A finished map as one HTML document, rendered once, with its data kept as data.

folium renders every element's macros and then wraps each piece of *output* in a new branca
``Element``, whose constructor compiles that text as a Jinja template; the page then renders it
a second time. Two things follow. The output holds the layers' data (place names, addresses,
tens of kB to MB of GeoJSON), so a large map spends most of its render lexing and compiling data
on every rerun. And text from a data file that looks like a template is *run*: a place called
``{{ 7*7 }}`` is drawn as ``49``, and Jinja (not sandboxed) reaches Python from there.

While :func:`data_as_text` is active (``map_html`` and the Patrol page's component use it),
branca keeps every text it wraps as that text: output is never compiled again. Outside it,
text holding no template syntax (``{{``, ``{%``, ``{#`` or a ``\\r``) is kept as text too, which
gives the same string Jinja would (Jinja drops one trailing newline), and anything else still
goes to Jinja as before. Rendered maps are byte-for-byte folium's own on ordinary data
(``tests/test_map_html.py``), in a fraction of the time (``bench/app.py``).
"""

from __future__ import annotations

import contextlib
import contextvars
import re
from collections.abc import Iterator
from html import escape
from typing import Any

import branca.element
import folium
import jinja2
from branca.element import Figure

_TEMPLATE_SYNTAX = re.compile(r"\{[{%#]|\r")
_AS_TEXT: contextvars.ContextVar[bool] = contextvars.ContextVar("safetymap_render_as_text", default=False)


class TextTemplate:
    """A template of plain text: renders to the text itself, as Jinja renders text with no syntax."""

    __slots__ = ("source",)

    def __init__(self, source: str) -> None:
        self.source = source

    def render(self, *_args: Any, **_kwargs: Any) -> str:
        """The text, without one trailing newline (Jinja's ``keep_trailing_newline=False``)."""
        return self.source[:-1] if self.source.endswith("\n") else self.source


def text_or_template(source: str, *args: Any, **kwargs: Any) -> jinja2.Template | TextTemplate:
    """What branca's ``Element(text)`` compiles ``text`` to: plain text where it cannot be a template."""
    if isinstance(source, str) and not args and not kwargs:
        if _AS_TEXT.get():
            return TextTemplate(source.replace("\r\n", "\n").replace("\r", "\n"))
        if _TEMPLATE_SYNTAX.search(source) is None:
            return TextTemplate(source)
    compiled: jinja2.Template = jinja2.Template(source, *args, **kwargs)
    return compiled


def install_text_templates() -> None:
    """Route branca's ``Element(text)`` through :func:`text_or_template` (idempotent).

    Only the name ``Template`` inside ``branca.element`` is replaced; class-level templates
    (compiled at import) and folium's own templates are untouched.
    """
    setattr(branca.element, "Template", text_or_template)  # noqa: B010 (the name branca compiles with)


install_text_templates()


@contextlib.contextmanager
def data_as_text() -> Iterator[None]:
    """Within this block (one thread's render), text branca wraps is never compiled as a template."""
    token = _AS_TEXT.set(True)
    try:
        yield
    finally:
        _AS_TEXT.reset(token)


def map_html(m: folium.Map, *, lang: str, title: str) -> str:
    """The whole map page: ``<html lang>``, a ``<title>`` (the frame's accessible name), one render.

    Parameters
    ----------
    m
        A finished map (``MapComposer.finish``), rendered once here.
    lang
        Language of the page (``"en"`` or ``"es"``), written to ``<html lang>``.
    title
        What the map shows, in that language; plain text (escaped here).
    """
    root = m.get_root()
    assert isinstance(root, Figure)
    root.title = escape(title, quote=False)
    with data_as_text():
        html: str = root.render()
    return html.replace("<html>", f'<html lang="{escape(lang)}">', 1)
