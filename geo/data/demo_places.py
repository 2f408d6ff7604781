"""Real places of the demo bundle with approximate geometry, and its context streets.

Coordinates are the published ones in DESIGN.md; outlines are half-widths and half-heights in metres
around them, drawn by :mod:`geo.data.demo`. The walking network (:mod:`geo.data.walknet`) lays its
arterials on the same streets.
"""

from __future__ import annotations

from dataclasses import dataclass

# --- places -------------------------------------------------------------------------------

# Harvard Park: around the recreation center (33.98394, -118.30458) and the skate plaza
# (33.98457, -118.30222), between W 62nd St and Gage Ave on the south and 60th St on the north.
HARVARD_PARK_RING: tuple[tuple[float, float], ...] = (
    (-118.30625, 33.98270),
    (-118.30125, 33.98270),
    (-118.30125, 33.98560),
    (-118.30300, 33.98590),
    (-118.30625, 33.98590),
)

# name, lat, lon, half-width (m, east-west), half-height (m, north-south)
PARKS: tuple[tuple[str, float, float, float, float], ...] = (
    ("Van Ness Recreation Center", 33.99050, -118.31950, 110, 90),
    ("Chesterfield Square Park", 33.99300, -118.31100, 80, 60),
    ("Jesse Owens Park", 33.94750, -118.30850, 200, 150),
    ("Algin Sutton Recreation Center", 33.95600, -118.28700, 150, 120),
    ("South Park", 33.99550, -118.26900, 170, 140),
    ("Ted Watkins Memorial Park", 33.94400, -118.25000, 200, 140),
    ("St. Andrews Recreation Center", 33.95800, -118.30950, 110, 90),
    ("Mt. Carmel Recreation Center", 33.97700, -118.29050, 90, 70),
    ("Green Meadows Recreation Center", 33.95650, -118.26600, 100, 80),
    ("109th Street Recreation Center", 33.93450, -118.24750, 90, 70),
)


@dataclass(frozen=True)
class Development:
    """A public-housing development of the Community Safety Partnership (approximate outline)."""

    name: str
    lat: float
    lon: float
    half_w: float
    half_h: float
    csp_start: str
    watts: bool


# The HUD point is one address per development; Avalon Gardens and Gonzaque Village share one.
DEVELOPMENTS: tuple[Development, ...] = (
    Development("Jordan Downs", 33.948128, -118.230659, 260, 230, "2011-11-01", True),
    Development("Nickerson Gardens", 33.930359, -118.250616, 330, 260, "2011-11-01", True),
    Development("Imperial Courts", 33.931314, -118.234854, 230, 200, "2011-11-01", True),
    Development("Ramona Gardens", 34.086933, -118.192442, 230, 200, "2011-11-01", False),
    Development("Avalon Gardens", 33.957800, -118.264800, 130, 100, "2016-07-01", False),
    Development("Gonzaque Village", 33.955300, -118.261900, 130, 110, "2016-07-01", False),
    Development("Pueblo del Rio", 33.994802, -118.242194, 230, 160, "2016-07-01", False),
)
HARVARD_CSP_START = "2017-01-01"

# Context streets: name, orientation ("ns" constant longitude, "ew" constant latitude),
# the constant coordinate, and the span of the other coordinate.
STREETS: tuple[tuple[str, str, float, float, float], ...] = (
    ("Western Ave", "ns", -118.30900, 33.925, 34.005),
    ("Normandie Ave", "ns", -118.30000, 33.925, 34.005),
    ("Vermont Ave", "ns", -118.29150, 33.925, 34.005),
    ("Hoover St", "ns", -118.28650, 33.940, 34.005),
    ("Figueroa St", "ns", -118.28250, 33.925, 34.005),
    ("Main St", "ns", -118.27400, 33.925, 34.005),
    ("Avalon Blvd", "ns", -118.26500, 33.925, 34.005),
    ("Central Ave", "ns", -118.25600, 33.925, 34.005),
    ("Compton Ave", "ns", -118.24750, 33.925, 34.005),
    ("Wilmington Ave", "ns", -118.24100, 33.925, 33.960),
    ("Alameda St", "ns", -118.22700, 33.925, 34.005),
    ("Vernon Ave", "ew", 34.00400, -118.330, -118.225),
    ("Slauson Ave", "ew", 33.98900, -118.330, -118.225),
    ("W 62nd St", "ew", 33.98250, -118.318, -118.290),
    ("Gage Ave", "ew", 33.98080, -118.330, -118.225),
    ("Florence Ave", "ew", 33.97450, -118.330, -118.225),
    ("Manchester Ave", "ew", 33.96000, -118.330, -118.225),
    ("Century Blvd", "ew", 33.94550, -118.330, -118.225),
    ("103rd St", "ew", 33.94250, -118.262, -118.225),
    ("Imperial Hwy", "ew", 33.93050, -118.330, -118.225),
    ("Soto St", "ns", -118.20650, 34.070, 34.100),
    ("Valley Blvd", "ew", 34.08050, -118.215, -118.175),
)
