"""Koper-curve dwell: how long officers stay at each hot spot, in minutes.

Koper (1995): stops of about 11-15 minutes give the longest residual deterrence; the default
15 minutes and the range 10-16 minutes follow DESIGN.md section 5 (the configured values are
``patrol.dwell_min`` and ``patrol.dwell_range_min``).
"""

from __future__ import annotations

import math

from geo.core.errors import AnalysisError


def koper_dwell(minutes: float, *, low: float, high: float) -> float:
    """Dwell time per hot spot in minutes, clamped to the Koper-curve range ``[low, high]``.

    Koper (1995): stops of about 11-15 minutes give the longest residual deterrence; the configured
    ``patrol.dwell_min`` (15) and ``patrol.dwell_range_min`` (10-16) follow DESIGN.md section 5.
    """
    if not 0 < low <= high:
        msg = f"the dwell range must satisfy 0 < low <= high, got low={low}, high={high}"
        raise AnalysisError(msg)
    if not math.isfinite(minutes):
        msg = f"dwell must be a number of minutes, got {minutes}"
        raise AnalysisError(msg)
    return float(min(max(minutes, low), high))
