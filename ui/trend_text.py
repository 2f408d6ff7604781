"""The Trends page's text alternatives: what its chart and its hour x weekday table show, in words and numbers.

Plain functions of the page's tables (no Streamlit), so the sentences are tested directly;
:func:`ui.alt.text_alternative` writes them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import cast

import pandas as pd
from babel.lists import format_list

from geo.core.disclosure import Disclosure
from geo.core.errors import DataError
from geo.core.i18n import LOCALES, fmt_int, t


def _period_label(value: pd.Timestamp, freq: str) -> str:
    return f"{value:%Y-%m}" if freq == "month" else f"{value:%Y}"


def trend_alternative(
    series: pd.DataFrame, *, freq: str, distance_m: float, lang: str, unit: str = "incidents"
) -> tuple[str, pd.DataFrame]:
    """A sentence and a table (one row a period, one column a place) of the Trends chart.

    Parameters
    ----------
    series
        ``place, period_start, count, label`` rows, as :meth:`geo.core.disclosure.Disclosure.column` gives
        them (one group per place): the table
        prints each ``label``; the busiest period is named only when its count is shown.
    freq
        ``"month"`` or ``"year"``: how periods are written (``YYYY-MM`` or ``YYYY``, as on the axis).
    distance_m
        The radius counted around each place, metres.
    lang
        Language of the sentence and the column names.
    unit
        What the layer counts (:func:`geo.data.labels.layer_unit`): ``incidents`` or ``victims``.

    Raises
    ------
    DataError
        ``series`` is empty or lacks a column, or ``freq`` is unknown.
    """
    missing = {"place", "period_start", "count", "label"} - set(series.columns)
    if missing or series.empty:
        msg = f"the trend series is empty or lacks {sorted(missing)}"
        raise DataError(msg)
    if freq not in ("month", "year"):
        msg = f"freq must be 'month' or 'year', got {freq!r}"
        raise DataError(msg)
    order = list(dict.fromkeys(series["place"]))
    wide = series.pivot_table(index="period_start", columns="place", values="label", aggfunc="first")
    wide = wide.reindex(columns=order).sort_index().fillna("")
    table = wide.reset_index()
    table.columns.name = None
    table.insert(0, t("trends.col_period", lang), [_period_label(p, freq) for p in table.pop("period_start")])
    from geo.data.labels import unit_word

    params = {
        "what": unit_word(unit, lang),
        "unit": t(f"trends.alt_unit.{freq}", lang),
        "distance": fmt_int(distance_m, lang),
        "places": format_list(order, locale=LOCALES[lang]),
        "start": _period_label(wide.index.min(), freq),
        "end": _period_label(wide.index.max(), freq),
    }
    shown = series[series["count"].fillna(0) > 0]
    withheld = series["count"].isna() & (series["label"] == t("privacy.withheld", lang))
    if shown.empty or withheld.any():  # the busiest of hidden counts would tell which is larger; a withheld one may be
        return t("trends.alt_series_plain", lang, **params), table
    peak = shown.iloc[int(shown["count"].astype(int).to_numpy().argmax())]
    sentence = t(
        "trends.alt_series",
        lang,
        **params,
        peak_what=unit_word(unit, lang, count=int(peak["count"])),
        peak_place=str(peak["place"]),
        peak_period=_period_label(pd.Timestamp(peak["period_start"]), freq),
        peak=fmt_int(float(peak["count"]), lang),
    )
    return sentence, table


def heat_alternative(
    table: pd.DataFrame, *, lang: str, rule: Disclosure, day_names: Mapping[str, str] | None = None
) -> tuple[str, pd.DataFrame]:
    """A sentence naming the busiest hour and weekday of an hour x weekday count table, and the table with its hours.

    ``table`` has one row per hour (its index, 0-23, named in the user's language) and one column
    per weekday (named in the user's language); ``day_names`` maps a column to the day's name
    written out for the sentence (the columns are abbreviated to fit a phone). The table is one group
    under the incidents in view, as ``rule`` shows it; the busiest hour is named only when shown.

    Raises
    ------
    DataError
        ``table`` is empty.
    """
    if table.empty:
        msg = "the hour x weekday table is empty"
        raise DataError(msg)
    shown = rule.table(table)
    values = cast("pd.Series[float]", shown.values.stack())  # one column level: a Series
    if not (values.fillna(0) > 0).any() or (shown.status == "withheld").any().any():
        sentence = t("trends.alt_heat_plain", lang)
    else:
        hour, day = cast("tuple[int, str]", values.astype(float).idxmax())  # (hour, weekday) of the MultiIndex
        sentence = t(
            "trends.alt_heat",
            lang,
            hour=f"{int(hour):02d}",
            day=(day_names or {}).get(str(day), str(day)),
            n=fmt_int(float(values.max()), lang),
        )
    texts = shown.texts(lang)
    texts.index.name = table.index.name
    return sentence, texts.reset_index()


def map_alternative(
    counts: pd.Series,
    *,
    lang: str,
    place: str | None,
    within: str | None,
    rule: Disclosure,
    unit: str = "incidents",
) -> tuple[str, pd.DataFrame]:
    """A sentence and a table (incidents in view by category) of what the Map page's map shows.

    ``counts`` are the incidents in view by category key (``ui.analysis.category_counts``).

    ``within`` is the key figure of the focus place's rings as printed (or None without a focus place);
    the categories are one group under the total in view, as ``rule`` shows them ("fewer than N", "withheld").
    ``unit`` is the layer's (:func:`geo.data.labels.layer_unit`): people killed or incidents.
    """
    from geo.data.labels import unit_word

    counts = counts[counts > 0].sort_index()
    shown = rule.counts(counts.to_numpy())
    table = pd.DataFrame(
        {
            t("alt.map.category", lang): [t(f"category.{c}", lang) for c in counts.index],
            unit_word(unit, lang).capitalize(): shown.texts(lang),
        }
    )
    total = int(counts.sum())
    sentence = t(
        "alt.map.sentence",
        lang,
        n=shown.total.text(lang),
        what=unit_word(unit, lang, count=rule.min_count if shown.total.hidden else total),  # "fewer than 3 people"
        kinds=fmt_int(len(counts), lang),
    )
    if place and within is not None:
        sentence += " " + t("alt.map.focus", lang, place=place, within=within)
    return sentence, table


def evaluation_table(res: Mapping[str, object], rule: Disclosure, lang: str) -> pd.DataFrame:
    """The evaluation's counts before and after, by area, as ``rule`` shows each (each on its own: the areas
    are not parts of one total)."""
    counts = res["counts"]
    assert isinstance(counts, Mapping)
    areas = ("T", "D", "C", "E")
    return pd.DataFrame(
        {
            t("eval.table.area", lang): [t(f"eval.area.{k}", lang) for k in areas],
            t("eval.table.before", lang): [rule.text(int(counts[f"{k}b"]), lang) for k in areas],
            t("eval.table.after", lang): [rule.text(int(counts[f"{k}a"]), lang) for k in areas],
        }
    )
