"""Numbers on the command line are finite and bounded before any arithmetic (one line, no traceback)."""

from __future__ import annotations

import pytest

from geo.cli import main


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["near", "--lat", "inf", "--lon", "-118.3"], "not a finite number: 'inf'"),
        (["near", "--lat", "33.98", "--lon", "nan"], "not a finite number: 'nan'"),
        (["near", "--place", "Harvard Park", "--rings-m", "1e400"], "--rings-m must be finite numbers"),
        (["near", "--place", "Harvard Park", "--rings-m", "75,1e9"], "from 1 to 20000"),
        (["near", "--place", "Harvard Park", "--rings-m", "1e-300"], "from 1 to 20000"),
        (["route", "--place", "Harvard Park", "--budget-min", "1e400"], "not a finite number"),
        (["hotspots", "--cell-m", "nan"], "not a finite number"),
        (["nearrepeat", "--space-m", "100,inf"], "--space-m must be finite numbers"),
    ],
)
def test_a_number_that_is_not_finite_or_out_of_range_is_one_clear_line(
    argv: list[str], said: str, capsys: pytest.CaptureFixture[str], fresh_settings: None
) -> None:
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's own refusal of an option's type
        code = int(exc.code or 0)
    err = capsys.readouterr().err
    assert code != 0
    assert said in err
    assert "Traceback" not in err
