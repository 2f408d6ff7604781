"""Every key of the settings is read by the product: no key that changes nothing."""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import BaseModel

from geo.core.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
CODE_DIRS = ("geo", "layers", "ui", "app_pages")
NOT_CONFIG = {"config_path"}  # set by the loader (which file was read), not a key of config.yaml


def _leaf_keys(model: type[BaseModel], prefix: str = "") -> list[str]:
    keys: list[str] = []
    for name, field in model.model_fields.items():
        ann = field.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            keys += _leaf_keys(ann, f"{prefix}{name}.")
        else:
            keys.append(f"{prefix}{name}")
    return keys


def _code() -> str:
    files = [p for d in CODE_DIRS for p in (ROOT / d).rglob("*.py") if p.name != "settings.py"]
    files.append(ROOT / "app.py")
    return "\n".join(p.read_text(encoding="utf-8") for p in files)


def test_every_settings_key_is_read_somewhere() -> None:
    code = _code()
    unread = [
        key
        for key in _leaf_keys(Settings)
        if key not in NOT_CONFIG and not re.search(rf"\.{re.escape(key.rsplit('.', 1)[-1])}\b", code)
    ]
    assert not unread, f"settings keys nothing reads (wire them up or remove them): {unread}"
