"""Command-line interface: ``python -m geo COMMAND ...``.

Each module in this package (names not starting with ``_``) defines
``register(subparsers)``, which adds one or more sub-commands whose handler is set with
``parser.set_defaults(handler=fn)``; ``fn(args) -> int``. Commands print JSON to stdout
and exit 2 with one clear line on stderr for bad input.

What reaches a terminal is cleaned by :mod:`geo.core.text`: an error or a warning is one line
(:func:`geo.core.text.clean`, passwords masked by :func:`geo.core.errors.mask_secrets`), and
everything written to stderr (and to stdout when it is a terminal) loses the control characters
that would make the terminal run escape codes from data (:func:`geo.core.text.terminal_text`).
Every file option (``--out``, ``--card``) is checked before a command starts
(:func:`geo.cli._common.output_file`): only a regular file, or a new one, is written.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import pkgutil
import sys
from collections.abc import Iterator, Sequence
from typing import IO, Any, TextIO, cast

from geo.core.errors import SafetyMapError, mask_secrets
from geo.core.text import clean, terminal_text

EXIT_BAD_INPUT = 2
EXIT_BROKEN_PIPE = 128 + 13  # what a shell reports for a process ended by SIGPIPE
OUTPUT_OPTIONS = ("out", "card")
"""Options naming a file a command writes (checked by :func:`geo.cli._common.output_file` before it runs)."""
FOLDER_OUTPUT = frozenset({"demo"})
"""Commands whose ``--out`` is a folder (``demo`` writes the bundle's files into it)."""


class _TerminalStream:
    """A text stream that drops control characters (escape codes) from everything written to it."""

    def __init__(self, raw: IO[str]) -> None:
        self._raw = raw

    def write(self, text: str) -> int:
        self._raw.write(terminal_text(text))
        return len(text)

    def __getattr__(self, name: str) -> Any:  # flush, fileno, isatty, encoding... of the real stream
        return getattr(self._raw, name)


@contextlib.contextmanager
def _terminal_streams() -> Iterator[None]:
    """stderr (always: messages for people) and stdout (when it is a terminal) through :class:`_TerminalStream`."""
    saved = sys.stdout, sys.stderr
    sys.stderr = cast(TextIO, _TerminalStream(sys.stderr))
    if sys.stdout.isatty():
        sys.stdout = cast(TextIO, _TerminalStream(sys.stdout))
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved


def error_line(error: BaseException | str) -> str:
    """An error as the one line the CLI prints: no password, no control character, no line break."""
    return f"error: {clean(mask_secrets(error))}"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_BAD_INPUT, f"error: {message} (see {self.prog} --help)\n")


def _stdout_closed() -> int:
    """The reader of stdout went away (``python -m geo ... | head``): stop quietly, like other tools."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())  # nothing left to flush at exit, so no second error
    os.close(devnull)
    return EXIT_BROKEN_PIPE


def build_parser() -> argparse.ArgumentParser:
    """The full parser with every registered sub-command."""
    parser = _Parser(
        prog="python -m geo",
        description="South LA community-safety map: data, analysis and exports from the command line.",
    )
    parser.add_argument("--config", metavar="PATH", help="config file (default: config.yaml or $SAFETYMAP_CONFIG)")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    package = sys.modules[__name__]
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; return the process exit code."""
    with _terminal_streams():
        try:
            code = _run(argv)
            sys.stdout.flush()  # a closed pipe shows here, not at interpreter exit
            return code
        except BrokenPipeError:
            return _stdout_closed()


def _check_outputs(args: argparse.Namespace) -> None:
    """Refuse a file option that names anything but a regular file (or a new one) before the command runs."""
    if getattr(args, "command", None) in FOLDER_OUTPUT:
        return
    from geo.cli._common import output_file

    for option in OUTPUT_OPTIONS:
        value = getattr(args, option, None)
        if value:
            output_file(value, f"--{option}")


def _run(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit:  # --help or a usage error: argparse has printed; flush before leaving
        sys.stdout.flush()
        raise
    if getattr(args, "handler", None) is None:
        parser.print_help()
        return EXIT_BAD_INPUT
    try:
        _check_outputs(args)
        from geo.cli.audit import record_command

        record_command(args, list(sys.argv[1:] if argv is None else argv))
        return int(args.handler(args))
    except SafetyMapError as exc:
        print(error_line(exc), file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("error: interrupted; nothing was written", file=sys.stderr)
        return 130
