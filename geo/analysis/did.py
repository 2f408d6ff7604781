"""Difference-in-differences on monthly counts with a Newey-West (HAC) interval.

``d`` is the change in the mean monthly difference ``T - C`` between the treated and the
comparison area after the start: the OLS slope of ``post`` in ``T_t - C_t = a + d post_t``.
Months that follow each other tend to be alike, so the standard error is Newey & West's
(1987) heteroskedasticity- and autocorrelation-consistent one (Bartlett kernel), with the
small-sample factor ``n / (n - 2)``, as statsmodels' ``OLS(...).fit(cov_type="HAC")``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from geo.analysis.interval import Interval, interval
from geo.core.errors import AnalysisError


def newey_west_lags(n: int) -> int:
    """The usual automatic lag ``floor(4 (n / 100) ** (2 / 9))`` (Newey & West 1994)."""
    return int(np.floor(4 * (n / 100.0) ** (2.0 / 9.0)))


def did_monthly(
    treated: Sequence[float] | NDArray[Any],
    control: Sequence[float] | NDArray[Any],
    post: Sequence[bool] | NDArray[Any],
    *,
    level: float = 0.95,
    lags: int | None = None,
) -> Interval:
    """Difference-in-differences on monthly counts with a Newey-West (HAC) interval.

    Parameters
    ----------
    treated, control
        Monthly counts of the treated and comparison areas, same months, in time order.
    post
        True for the months after the start.
    level
        Confidence level of the normal interval.
    lags
        Newey-West lags (Bartlett kernel); default :func:`newey_west_lags` of the months.

    Returns
    -------
    Interval
        ``d`` = (mean after - mean before) of ``treated - control``, in incidents per month:
        the OLS slope of ``post`` in ``T_t - C_t = a + d post_t``, with the HAC standard error
        (with the small-sample factor ``n / (n - 2)``, as statsmodels' ``cov_type="HAC"``).
    """
    t_arr = np.asarray(treated, dtype=float)
    c = np.asarray(control, dtype=float)
    post_arr = np.asarray(post, dtype=bool)
    if not (t_arr.shape == c.shape == post_arr.shape) or t_arr.ndim != 1:
        msg = f"treated, control and post must be 1-D and equally long, got {t_arr.shape}, {c.shape}, {post_arr.shape}"
        raise AnalysisError(msg)
    if post_arr.sum() < 2 or (~post_arr).sum() < 2:
        msg = "difference-in-differences needs at least 2 months before and 2 after"
        raise AnalysisError(msg)
    y = t_arr - c
    n = y.size
    x = np.column_stack([np.ones(n), post_arr.astype(float)])
    bread = np.linalg.inv(x.T @ x)
    beta = bread @ x.T @ y
    u = (y - x @ beta)[:, None] * x
    nlags = newey_west_lags(n) if lags is None else int(lags)
    meat = u.T @ u
    for lag in range(1, min(nlags, n - 1) + 1):
        g = u[lag:].T @ u[:-lag]
        meat += (1 - lag / (nlags + 1)) * (g + g.T)
    cov = bread @ meat @ bread * n / (n - 2)
    return interval(float(beta[1]), float(cov[1, 1]), level)
