"""HTML escaping of every text that comes from data."""

from __future__ import annotations

import html
import math
from typing import Any


def esc(value: Any) -> str:
    """``value`` as escaped HTML text (``None``/NaN -> empty string)."""
    if value is None:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    try:
        import pandas as pd

        if value is pd.NA or value is pd.NaT:
            return ""
    except ImportError:  # pragma: no cover
        pass
    return html.escape(str(value), quote=True)
