"""Loaders for every source family, each returning rows in the canonical schema with full accounting.

One module per source family: :mod:`geo.sources.lapd` (LAPD legacy CSV and Socrata rows),
:mod:`geo.sources.nibrs` (LAPD NIBRS rows), :mod:`geo.sources.latimes` (LA Times Homicide
Report JSON and police-killings CSV), :mod:`geo.sources.places` (parks, housing, boundaries),
:mod:`geo.sources.socrata` and :mod:`geo.sources.arcgis` (live APIs over :mod:`geo.sources._http`),
and :mod:`geo.sources.detect` (what kind of file is this?). Every loader returns a
:class:`geo.sources._accounting.LoadResult` in which ``rows_in == rows_kept + sum(dropped)``.
"""

from __future__ import annotations

from geo.sources._accounting import LoadResult

__all__ = ["LoadResult"]
