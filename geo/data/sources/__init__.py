"""Loaders for every source family, each returning rows in the canonical schema with full accounting.

One module per source family: :mod:`geo.data.sources.lapd` (LAPD legacy CSV and Socrata rows),
:mod:`geo.data.sources.nibrs` (LAPD NIBRS rows), :mod:`geo.data.sources.latimes` (LA Times Homicide
Report JSON and police-killings CSV), :mod:`geo.data.sources.places` (parks, housing, boundaries),
:mod:`geo.data.sources.socrata` and :mod:`geo.data.sources.arcgis` (live APIs over :mod:`geo.data.sources._http`),
and :mod:`geo.data.sources.detect` (what kind of file is this?). Every loader returns a
:class:`geo.data.sources._accounting.LoadResult` in which ``rows_in == rows_kept + sum(dropped)``.
"""

from __future__ import annotations

from geo.data.sources._accounting import LA_COUNTY_BBOX, UNIT_INCIDENTS, UNIT_VICTIMS, LoadResult
from geo.data.sources._http import Client, Progress, Sleep, make_session

__all__ = [
    "LA_COUNTY_BBOX",
    "UNIT_INCIDENTS",
    "UNIT_VICTIMS",
    "Client",
    "LoadResult",
    "Progress",
    "Sleep",
    "make_session",
]
