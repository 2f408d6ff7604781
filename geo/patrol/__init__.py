"""Foot-patrol planning: Koper dwell, candidate stops, the walking-network index, the route model, the
solvers and the planner."""
