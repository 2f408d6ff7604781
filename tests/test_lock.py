"""The lock files (make lock) pin what the ranges allow: every requirement pinned inside its range, with hashes,
and the runtime lock equal to the dev lock where they overlap, so `make run` and `make test` install the same."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)")


def pins(lock: str) -> dict[str, Version]:
    """Name -> pinned version of a lock file, each pin followed by at least one hash."""
    text = (ROOT / lock).read_text(encoding="utf-8")
    out: dict[str, Version] = {}
    for block in re.split(r"\n(?=[A-Za-z0-9])", text):
        m = PIN.match(block)
        if m is None:
            continue
        assert "--hash=sha256:" in block, f"{lock}: {m.group(1)} is pinned without a hash"
        out[canonicalize_name(m.group(1))] = Version(m.group(2))
    return out


def requirements(path: str) -> list[Requirement]:
    lines = (ROOT / path).read_text(encoding="utf-8").splitlines()
    return [Requirement(line.split("#")[0].strip()) for line in lines if line.split("#")[0].strip()[:1].isalnum()]


@pytest.mark.parametrize(("ranges", "lock"), [("requirements.txt", "requirements.lock"),
                                              ("requirements-dev.txt", "requirements-dev.lock")])  # fmt: skip
def test_every_requirement_is_pinned_inside_its_range(ranges: str, lock: str) -> None:
    pinned = pins(lock)
    wanted = requirements(ranges) + (requirements("requirements.txt") if ranges != "requirements.txt" else [])
    for req in wanted:
        name = canonicalize_name(req.name)
        assert name in pinned, f"{lock} lacks {req.name}: run `make lock`"
        assert req.specifier.contains(pinned[name], prereleases=True), f"{lock}: {name} {pinned[name]} not in {req}"


def test_the_runtime_lock_pins_what_the_dev_lock_pins() -> None:
    runtime, dev = pins("requirements.lock"), pins("requirements-dev.lock")
    assert set(runtime) <= set(dev)
    assert {n: v for n, v in runtime.items() if dev[n] != v} == {}
    assert "psycopg-binary" in runtime  # the extra of psycopg[binary] is locked too


def test_the_setup_installs_from_the_locks_with_hashes() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "pip install --require-hashes -r requirements.lock" in makefile
    assert "pip install --require-hashes -r requirements-dev.lock" in makefile
