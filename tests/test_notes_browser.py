"""A note placed in the link reaches the PDF handout the Present page downloads, in the note's own words."""

from __future__ import annotations

import pytest

from geo.core.i18n import t
from geo.core.notes import Note, write_notes
from tests.conftest import OfflinePage
from tests.layout_helpers import layout_problems, needs_poppler, pdf_page, words_of

pytestmark = pytest.mark.browser


@needs_poppler
@pytest.mark.parametrize("lang", ["en", "es"])
def test_a_note_reaches_the_downloaded_pdf(app_server: str, offline_page: OfflinePage, lang: str) -> None:
    from urllib.parse import quote

    notes = (Note("Meet at the gate, 6 pm", 33.98394, -118.30458),
             Note("Skate plaza", 33.98457, -118.30222, 33.98394, -118.30458))  # fmt: skip
    page = offline_page.page
    page.goto(f"{app_server}/present?lang={lang}&place=Harvard%20Park&notes={quote(write_notes(notes))}")
    button = page.get_by_role("button", name=t("pr.pdf", lang))
    button.wait_for(timeout=120_000)
    offline_page.settle()
    with page.expect_download(timeout=120_000) as info:
        button.click()
    pdf = info.value.path().read_bytes()
    sheet = pdf_page(pdf)
    for note in notes:
        assert words_of(sheet, note.text), note.text
    assert not layout_problems(sheet)
    assert "notes=" in page.url  # the link still carries them
