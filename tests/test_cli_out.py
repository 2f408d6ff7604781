"""``--out`` and ``--card`` write only regular files, atomically (issue 28, case 8).

A folder, a symbolic link, a FIFO or a device node given as the output is refused with one line (exit 2) and
left exactly as it was; a regular file is replaced by a new one (a temporary file in the same folder renamed
over it), and nothing else is left in the folder.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from geo.cli import EXIT_BAD_INPUT, main

NEAR = ["near", "--place", "Harvard Park", "--rings-m", "75,150"]


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def _refused(capsys: pytest.CaptureFixture[str], args: list[str], what: str) -> str:
    code, out, err = _run(capsys, *args)
    assert code == EXIT_BAD_INPUT, (code, err)
    assert out == ""
    assert err.startswith("error: "), err
    assert err.count("\n") == 1, err
    assert "Traceback" not in err
    assert f"is {what}, not a regular file: nothing was written" in err, err
    return err


def test_a_folder_is_refused_and_left_as_it_was(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "results"
    folder.mkdir()
    (folder / "keep.txt").write_text("mine")
    _refused(capsys, [*NEAR, "--out", str(folder)], "a folder")
    assert sorted(p.name for p in folder.iterdir()) == ["keep.txt"]


def test_a_symbolic_link_is_refused_and_neither_it_nor_its_target_changes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "target.json"
    target.write_text("precious")
    link = tmp_path / "out.json"
    link.symlink_to(target)
    _refused(capsys, [*NEAR, "--out", str(link)], "a symbolic link")
    assert link.is_symlink()
    assert os.readlink(link) == str(target)
    assert target.read_text() == "precious"
    dangling = tmp_path / "dangling.json"
    dangling.symlink_to(tmp_path / "nowhere.json")
    _refused(capsys, [*NEAR, "--out", str(dangling)], "a symbolic link")
    assert dangling.is_symlink()
    assert not (tmp_path / "nowhere.json").exists()


def test_a_fifo_is_refused_and_stays_a_fifo(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    _refused(capsys, [*NEAR, "--out", str(fifo)], "a named pipe (FIFO)")
    assert stat.S_ISFIFO(fifo.lstat().st_mode)


def test_a_device_node_is_refused_and_stays_a_device(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    device = tmp_path / "full"
    try:  # a private copy of /dev/full's node (1, 7): today's code would replace it (as root, /dev/full itself)
        os.mknod(device, stat.S_IFCHR | 0o666, os.makedev(1, 7))
    except (PermissionError, AttributeError):
        pytest.skip("making a device node needs root (CI runs the tests as root)")
    _refused(capsys, [*NEAR, "--out", str(device)], "a character device")
    assert stat.S_ISCHR(device.lstat().st_mode)


def test_every_file_option_is_checked_before_the_command_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "cards"
    folder.mkdir()
    _refused(capsys, ["route", "--place", "Harvard Park", "--budget-min", "60", "--card", str(folder)], "a folder")
    report = ["report", "--place", "Harvard Park", "--from", "2016-01-01", "--to", "2016-12-31"]
    _refused(capsys, [*report, "--out", str(folder)], "a folder")


def test_a_regular_file_is_replaced_atomically(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "near.json"
    out.write_text("old")
    before = out.stat().st_ino
    code, printed, err = _run(capsys, *NEAR, "--out", str(out))
    assert code == 0, err
    assert json.loads(printed) == {"output": str(out)}
    assert json.loads(out.read_text())["place"]
    assert out.stat().st_ino != before, "written in place instead of renamed over the old file"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["near.json"], "a temporary file was left behind"


def test_a_new_file_in_a_new_folder_is_written(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "new" / "near.json"
    code, _, err = _run(capsys, *NEAR, "--out", str(out))
    assert code == 0, err
    assert stat.S_ISREG(out.lstat().st_mode)


def test_a_path_under_a_file_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code, _, err = _run(capsys, *NEAR, "--out", str(blocker / "near.json"))
    assert code == EXIT_BAD_INPUT
    assert err.startswith("error: --out "), err
    assert err.count("\n") == 1, err
    assert blocker.read_text() == "x"


def test_demo_still_writes_its_bundle_into_a_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from geo.cli import _check_outputs, build_parser

    args = build_parser().parse_args(["demo", "--out", str(tmp_path)])
    _check_outputs(args)  # a folder is what demo's --out names: not refused
