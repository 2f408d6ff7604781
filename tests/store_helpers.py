"""What a store folder holds, for tests that check a failed write changed nothing."""

from __future__ import annotations

from pathlib import Path


def store_snapshot(store: Path) -> dict[str, bytes]:
    """Every file under ``store`` (relative path -> bytes); the writers' lock file is left out."""
    if not store.exists():
        return {}
    return {
        str(p.relative_to(store)): p.read_bytes() for p in sorted(store.rglob("*")) if p.is_file() and p.name != ".lock"
    }
