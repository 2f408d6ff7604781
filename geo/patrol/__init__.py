"""Foot-patrol planning, one module per concern (imports point one way, top to bottom):

- :mod:`~geo.patrol.dwell`: Koper-curve dwell per stop;
- :mod:`~geo.patrol.network`: the walking network as arrays, street names, which network to load;
- :mod:`~geo.patrol.model`: turns, legs and the planned route;
- :mod:`~geo.patrol.text`: the route in words (English and Spanish);
- :mod:`~geo.patrol.candidates`: candidate stops (border segments, hot cells, points, edits);
- :mod:`~geo.patrol.solvers`: the orienteering solvers;
- :mod:`~geo.patrol.rules`: how a plan walks (dwell, speed, most stops, snapping limit, solver time limit);
- :mod:`~geo.patrol.planner`: a route over a network and candidate stops;
- :mod:`~geo.patrol.request`: the one entry point of the CLI and the dashboard (PlanRequest, plan).
"""
