"""Command-line interface: ``python -m geo COMMAND ...``.

Each module in this package (names not starting with ``_``) defines
``register(subparsers)``, which adds one or more sub-commands whose handler is set with
``parser.set_defaults(handler=fn)``; ``fn(args) -> int``. Commands print JSON to stdout
and exit 2 with one clear line on stderr for bad input.
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys
from collections.abc import Sequence

from geo.core.errors import SafetyMapError

EXIT_BAD_INPUT = 2
EXIT_BROKEN_PIPE = 128 + 13  # what a shell reports for a process ended by SIGPIPE


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
    try:
        code = _run(argv)
        sys.stdout.flush()  # a closed pipe shows here, not at interpreter exit
        return code
    except BrokenPipeError:
        return _stdout_closed()


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
        return int(args.handler(args))
    except SafetyMapError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("error: interrupted; nothing was written", file=sys.stderr)
        return 130
