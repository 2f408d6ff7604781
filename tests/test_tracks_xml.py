"""GPX uploads: UTF-16 is read; a document type or entity declaration is refused before it can expand."""

from __future__ import annotations

import pytest

from geo.core.errors import DataError
from geo.core.settings import get_settings
from geo.data.tracks import read_gpx

D = get_settings().dosage
READ = {"naive_time_zone": D.naive_time_zone, "max_mb": D.max_file_mb}
GPX = (
    '<?xml version="1.0" encoding="{enc}"?>\n'
    '<gpx version="1.1" creator="test" xmlns="http://www.topografix.com/GPX/1/1"><trk><name>Señal</name><trkseg>'
    '<trkpt lat="33.9840" lon="-118.3046"><time>2024-05-01T18:00:00Z</time></trkpt>'
    '<trkpt lat="33.9841" lon="-118.3047"><time>2024-05-01T18:00:10Z</time></trkpt>'
    "</trkseg></trk></gpx>"
)


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be", "utf-8"])
def test_a_gpx_in_utf16_or_utf8_is_read(codec: str) -> None:
    raw = GPX.format(enc="UTF-16" if codec.startswith("utf-16") else "UTF-8").encode(codec)
    track = read_gpx(raw, name="walk.gpx", **READ)
    assert len(track.points) == 2
    assert track.points["lat"].iloc[0] == pytest.approx(33.984)


LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE gpx [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
    '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>'
    '<gpx version="1.1" xmlns="http://www.topografix.com/GPX/1/1"><trk><name>&c;</name><trkseg>'
    '<trkpt lat="33.984" lon="-118.3046"><time>2024-05-01T18:00:00Z</time></trkpt></trkseg></trk></gpx>'
)


@pytest.mark.parametrize(
    "text",
    [LAUGHS, '<?xml version="1.0"?><!DOCTYPE gpx SYSTEM "http://evil.example/x.dtd"><gpx version="1.1"/>'],
)
def test_a_document_type_or_entities_are_refused_before_parsing(text: str) -> None:
    with pytest.raises(DataError, match="declares a document type or entities"):
        read_gpx(text.encode(), name="walk.gpx", **READ)


def test_broken_xml_is_one_clear_line() -> None:
    with pytest.raises(DataError, match="not a readable GPX file"):
        read_gpx(b"<gpx><trk>", name="walk.gpx", **READ)
