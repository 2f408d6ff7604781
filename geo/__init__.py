"""Pure geospatial core of the South LA community-safety map.

Nothing in this package imports streamlit or folium: sources, cleaning, the store,
analysis, routing and exports work on (Geo)DataFrames and plain values.
"""

from __future__ import annotations

__version__ = "0.1.0"
