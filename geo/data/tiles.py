"""Is a tile server reachable? (The map uses tiles only when one answers.)"""

from __future__ import annotations

import requests


def tile_server_answers(url_template: str, *, timeout_s: float, session: requests.Session | None = None) -> bool:
    """True when the tile server answers the world tile (z=0) with an image within ``timeout_s`` seconds."""
    url = url_template.replace("{s}", "a").format(z=0, x=0, y=0, r="")
    http = session or requests.Session()
    try:
        resp = http.get(url, timeout=timeout_s, headers={"User-Agent": "south-la-safety-map"})
    except requests.RequestException:
        return False
    return resp.status_code == 200 and resp.headers.get("Content-Type", "").startswith("image/")
