"""The assessment's web form behind a QR code on the handout and the slide (segno, drawn as a vector image).

Field teams publish the questionnaire on Enketo, KoboToolbox or ODK Central's web forms; ``survey.form_url`` names
it. The handout and the slide then invite residents to answer ("Tell us how safe you feel") with the code and the
address beside it, so a phone's camera or a typed address both reach the form. The code carries only the address.
"""

from __future__ import annotations

import numpy as np
import segno
from matplotlib.figure import Figure
from numpy.typing import NDArray

from geo.exports.textfit import Box

QUIET = 2
"""Modules of white around the code (the standard asks 4; the page's margin adds to it)."""
MIN_SIDE_IN = 0.8
"""The smallest printed side that a phone reads at arm's length."""


def qr_modules(url: str) -> NDArray[np.bool_]:
    """The code's modules (True = dark), with its quiet zone, for ``url`` (error correction M: 15 % may be lost)."""
    code = segno.make(url, error="m", micro=False)
    return np.array(list(code.matrix_iter(scale=1, border=QUIET)), dtype=bool)


def draw_qr(fig: Figure, box: Box, url: str) -> Box:
    """Draw the code of ``url`` as a square at the top right of ``box``; return the square (inches)."""
    side = min(box.w, box.h)
    square = Box(box.right - side, box.top - side, side, side)
    ax = fig.add_axes(square.fraction(fig))
    ax.imshow(~qr_modules(url), cmap="gray", interpolation="nearest", vmin=0, vmax=1)
    ax.set_axis_off()
    return square
