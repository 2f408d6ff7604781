"""Message catalogs: every key in both languages, same placeholders, locale formats."""

from __future__ import annotations

import datetime as dt
import json
import re
import string

import pytest

from geo.core.categories import CATEGORIES
from geo.core.errors import ConfigError
from geo.core.filters import AGE_BAND_KEYS, DESCENTS, SEXES, WEAPON_GROUPS
from geo.core.i18n import LOCALE_DIR, catalog, category_label, fmt_date, fmt_int, fmt_pct, methods_text, t


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_both_catalogs_have_the_same_keys() -> None:
    en, es = catalog("en"), catalog("es")
    assert set(en) - set(es) == set(), "keys missing in Spanish"
    assert set(es) - set(en) == set(), "keys missing in English"


def test_placeholders_match_and_no_value_is_empty() -> None:
    en, es = catalog("en"), catalog("es")
    for key in en:
        assert en[key].strip(), key
        assert es[key].strip(), key
        assert placeholders(en[key]) == placeholders(es[key]), key


def test_every_catalog_file_pair_is_complete() -> None:
    for en_path in LOCALE_DIR.glob("*en.*"):
        es_path = en_path.with_name(en_path.name.replace("en.", "es.", 1))
        assert es_path.exists(), f"{en_path.name} has no Spanish counterpart"


@pytest.mark.parametrize(
    ("prefix", "values"),
    [
        ("category", CATEGORIES),
        ("weapon", WEAPON_GROUPS),
        ("age", AGE_BAND_KEYS),
        ("sex", SEXES),
        ("descent", DESCENTS),
    ],
)
def test_every_filter_value_has_a_label(prefix: str, values: tuple[str, ...]) -> None:
    for lang in ("en", "es"):
        for v in values:
            assert f"{prefix}.{v}" in catalog(lang), (lang, prefix, v)


def test_spanish_formats() -> None:
    assert fmt_date(dt.date(2024, 3, 7), "es") == "7 mar 2024"
    assert fmt_date(dt.date(2024, 3, 7), "en") == "Mar 7, 2024"
    assert fmt_int(1234567, "en") == "1,234,567"
    assert fmt_pct(-0.25, "es").startswith("-25")
    assert fmt_pct(0.1, "en") == "+10%"
    assert category_label("homicide", "es") == "Homicidio"
    assert t("kpi.rings", "es", distance=400, place="Harvard Park") == "A menos de 400 m de Harvard Park"


def test_methods_page_exists_in_both_languages() -> None:
    en, es = methods_text("en"), methods_text("es")
    assert "Benjamini" in en
    assert "Benjamini" in es
    assert len(re.findall(r"^###", en, re.M)) == len(re.findall(r"^###", es, re.M))
    assert "Privacidad" in es


def test_area_catalog_files_merge_and_refuse_a_key_defined_twice(tmp_path, monkeypatch) -> None:
    import geo.core.i18n as i18n

    (tmp_path / "en.json").write_text('{"a.one": "One"}', encoding="utf-8")
    (tmp_path / "en.extra.json").write_text('{"a.two": "Two"}', encoding="utf-8")
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    i18n.catalog.cache_clear()
    try:
        assert dict(i18n.catalog("en")) == {"a.one": "One", "a.two": "Two"}
        (tmp_path / "en.more.json").write_text('{"a.one": "Again"}', encoding="utf-8")
        i18n.catalog.cache_clear()
        with pytest.raises(ConfigError, match="already defined"):
            i18n.catalog("en")
    finally:
        i18n.catalog.cache_clear()


CATALOG_DOMAINS = ("common", "map", "trends", "rates", "patrol", "exports", "data", "survey", "services", "search")
"""One catalog file per domain and language: ``<lang>.json`` the common keys, ``<lang>.<domain>.json`` the rest."""


@pytest.mark.parametrize("lang", ["en", "es"])
def test_catalogs_are_split_by_domain_and_each_key_prefix_lives_in_one_file(lang: str) -> None:
    from geo.core.i18n import catalog_files

    files = catalog_files(lang)
    domains = ["common" if p.name == f"{lang}.json" else p.name.split(".")[1] for p in files]
    assert sorted(domains) == sorted(CATALOG_DOMAINS)
    where: dict[str, set[str]] = {}
    for path, domain in zip(files, domains, strict=True):
        for key in json.loads(path.read_text(encoding="utf-8")):
            where.setdefault(key.split(".")[0], set()).add(domain)
    spread = {prefix: sorted(ds) for prefix, ds in where.items() if len(ds) > 1}
    assert not spread, f"key prefixes spread over several catalog files: {spread}"


def test_every_kind_the_data_page_ingests_has_a_label_in_both_languages() -> None:
    from geo.data.sources.detect import KINDS

    for lang in ("en", "es"):
        labels = catalog(lang)
        assert [k for k in KINDS if f"ingest.kind.{k}" not in labels] == [], lang
