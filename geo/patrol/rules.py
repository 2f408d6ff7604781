"""How a patrol walks: the dwell, the pace, the most stops, the snapping limit and the solver's time limit.

One frozen value (:class:`WalkRules`) carries what :func:`geo.patrol.planner.plan_route` needs besides the
network, the stops, the start and the budget. It has no defaults: :meth:`WalkRules.from_settings` reads the
configured ``patrol`` section, and a request's own choices (dwell, speed, most stops) go on top.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from geo.core.settings import PatrolSettings


@dataclass(frozen=True)
class WalkRules:
    """The walking and solver rules of one plan.

    Attributes
    ----------
    dwell_min, dwell_range_min
        Dwell per stop in minutes, clamped to the Koper range (:func:`geo.patrol.dwell.koper_dwell`).
    speed_mps
        Walking speed, metres per second.
    max_stops
        Visit at most this many stops (None: no limit).
    max_snap_m
        A start or stop farther than this from every walkable node is off the network (metres).
    time_limit_s
        Safety limit of the OR-Tools search, seconds.
    """

    dwell_min: float
    dwell_range_min: tuple[float, float]
    speed_mps: float
    max_stops: int | None
    max_snap_m: float
    time_limit_s: float

    @classmethod
    def from_settings(cls, patrol: PatrolSettings, **overrides: Any) -> WalkRules:
        """The configured rules (``patrol`` in config.yaml), with ``overrides`` on top: field names of this
        class, e.g. ``from_settings(patrol, dwell_min=10, max_stops=None)`` (None for ``max_stops`` is no
        limit, not the configured one). An unknown name is a TypeError."""
        configured = cls(
            dwell_min=patrol.dwell_min,
            dwell_range_min=patrol.dwell_range_min,
            speed_mps=patrol.speed_mps,
            max_stops=patrol.max_stops,
            max_snap_m=patrol.max_snap_m,
            time_limit_s=patrol.solver_time_limit_s,
        )
        return dataclasses.replace(configured, **overrides)
