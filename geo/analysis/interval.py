"""An estimate with its standard error, z, p and a normal interval (shared by the evaluation measures)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats


@dataclass(frozen=True)
class Interval:
    """An estimate with its standard error, 95 % interval, two-sided p and z."""

    estimate: float
    se: float
    low: float
    high: float
    p: float
    z: float = float("nan")


def interval(est: float, var: float, level: float) -> Interval:
    """The estimate with standard error ``sqrt(var)``, z, two-sided normal p and interval at ``level``."""
    se = float(np.sqrt(var))
    zq = float(stats.norm.ppf(0.5 + level / 2))
    z = est / se if se > 0 else (0.0 if est == 0 else float("inf") * np.sign(est))
    p = float(2 * stats.norm.sf(abs(z))) if se > 0 else (1.0 if est == 0 else 0.0)
    return Interval(est, se, est - zq * se, est + zq * se, p, float(z))
