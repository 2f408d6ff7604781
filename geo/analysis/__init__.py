"""Spatial and temporal statistics over incident tables: grids, KDE, Gi*, Knox, rings, zones, trends and
programme evaluation."""
