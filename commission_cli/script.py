"""The ``commission`` script's entry point, kept free of imports on purpose.

Importing the command line (typer, click) takes some tens of milliseconds; a
Ctrl-C in that time, or before the command sets its own handlers, would
otherwise end in Python's traceback. Here it is a clean stop, with the exit
code a shell expects (130), like a Ctrl-C later on. (Only the interpreter's own
start, before this module runs, is beyond reach.)
"""

from __future__ import annotations

import sys

EXIT_INTERRUPTED = 130


def main() -> None:
    try:
        from .cli import main as run

        run()  # ends with SystemExit; from here on it stops cleanly on Ctrl-C itself
    except KeyboardInterrupt:
        print("interrupted: nothing was written", file=sys.stderr)
        sys.exit(EXIT_INTERRUPTED)
