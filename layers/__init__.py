"""Folium layers built from GeoDataFrames in EPSG:4326 (one module per layer kind).

Nothing here imports streamlit. Every text that comes from data is HTML-escaped before it
reaches a popup, tooltip or legend (:mod:`layers._escape`).
"""
