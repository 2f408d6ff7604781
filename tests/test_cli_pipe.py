"""``python -m geo ... | head``: a reader that goes away ends the command quietly."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from geo.cli import EXIT_BROKEN_PIPE

ROOT = Path(__file__).resolve().parents[1]


def test_closed_stdout_gives_no_traceback() -> None:
    read_end, write_end = os.pipe()
    os.close(read_end)  # like `| head` once it has read what it wanted
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "geo", "config"],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
            check=False,
        )
    finally:
        os.close(write_end)
    assert "Traceback" not in proc.stderr
    assert "BrokenPipeError" not in proc.stderr
    assert proc.stderr == ""
    assert proc.returncode == EXIT_BROKEN_PIPE
