"""Leaflet scripts and styles from installed packages, so maps draw with no internet (no folium here).

folium points at CDNs by default; here the same files come from the XStatic packages
installed by ``requirements.txt``. The dashboard copies them into ``static/vendor/`` (served
by Streamlit at ``/app/static/vendor/``); standalone HTML exports inline them instead.
Nothing third-party is committed to the repository.
"""

from __future__ import annotations

import base64
import hashlib
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import xstatic.pkg.leaflet as xs_leaflet
import xstatic.pkg.leaflet_markercluster as xs_cluster

from geo.core.store import atomic_path

STATIC_URL = "/app/static/vendor"


@dataclass(frozen=True)
class Asset:
    """One file to serve: its package folder, file name and kind (``js`` or ``css``)."""

    package_dir: Path
    name: str
    kind: str
    folder: str


LEAFLET_JS = Asset(Path(xs_leaflet.BASE_DIR), "leaflet.js", "js", "leaflet")
LEAFLET_CSS = Asset(Path(xs_leaflet.BASE_DIR), "leaflet.css", "css", "leaflet")
CLUSTER_JS = Asset(Path(xs_cluster.BASE_DIR), "leaflet.markercluster.js", "js", "markercluster")
CLUSTER_CSS = Asset(Path(xs_cluster.BASE_DIR), "MarkerCluster.css", "css", "markercluster")
CLUSTER_DEFAULT_CSS = Asset(Path(xs_cluster.BASE_DIR), "MarkerCluster.Default.css", "css", "markercluster")
ALL_ASSETS = (LEAFLET_JS, LEAFLET_CSS, CLUSTER_JS, CLUSTER_CSS, CLUSTER_DEFAULT_CSS)


def url_for(asset: Asset, *, base: str = STATIC_URL) -> str:
    """The URL the browser loads ``asset`` from when served by Streamlit."""
    return f"{base}/{asset.folder}/{asset.name}"


def _same(src: Path, dst: Path) -> bool:
    if not dst.is_file() or dst.stat().st_size != src.stat().st_size:
        return False
    return hashlib.sha256(src.read_bytes()).digest() == hashlib.sha256(dst.read_bytes()).digest()


def publish(static_dir: str | Path) -> Path:
    """Copy every asset (and Leaflet's images) into ``static_dir/vendor``; return that folder.

    Idempotent and atomic per file: unchanged files are left alone.
    """
    vendor = Path(static_dir) / "vendor"
    files = [(a.package_dir / a.name, vendor / a.folder / a.name) for a in ALL_ASSETS]
    images = Path(xs_leaflet.BASE_DIR) / "images"
    files += [(p, vendor / "leaflet" / "images" / p.name) for p in sorted(images.glob("*.png"))]
    for src, dst in files:
        if not _same(src, dst):
            with atomic_path(dst, suffix=dst.suffix) as tmp:
                shutil.copyfile(src, tmp)
    return vendor


def _inline_images(css: str, folder: Path) -> str:
    def repl(match: re.Match[str]) -> str:
        path = folder / match.group(1)
        if not path.is_file():
            return match.group(0)
        data = base64.b64encode(path.read_bytes()).decode("ascii")
        return f"url(data:image/png;base64,{data})"

    return re.sub(r"url\((images/[^)]+\.png)\)", repl, css)


def inline_tags(*, cluster: bool = False) -> str:
    """``<style>`` and ``<script>`` tags with the assets' contents, for standalone HTML files."""
    chosen = [LEAFLET_CSS, LEAFLET_JS]
    if cluster:
        chosen += [CLUSTER_CSS, CLUSTER_DEFAULT_CSS, CLUSTER_JS]
    parts = []
    for a in chosen:
        text = (a.package_dir / a.name).read_text(encoding="utf-8")
        if a.kind == "css":
            parts.append(f"<style>{_inline_images(text, a.package_dir)}</style>")
        else:
            safe = text.replace("</script", "<\\/script")
            parts.append(f"<script>{safe}</script>")
    return "\n".join(parts)
