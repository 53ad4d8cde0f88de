"""The ``commission`` command: a thin layer over the Python API, one module per verb.

:func:`main` builds the typer app, runs it, and keeps the promised form of every
failure: a usage error is an ``error: ...`` line naming the option (and the
nearest correct one) with exit 2, never typer's boxed usage text; a closed
descriptor, a full disk or a lack of memory is a clean message, never a traceback.
"""

from __future__ import annotations

import difflib
import enum
import io
import os
import signal
import sys
import typing
from collections.abc import Sequence
from importlib import import_module
from typing import Any

import typer

from ..safe import shown
from .common import (
    EXIT_INPUT,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    Stopped,
    catch_stop_signals,
    say,
)

# click's exceptions, wherever this typer keeps click: the click package for older
# typer releases, its own copy (typer._click) for newer ones.
click: Any = import_module(typer.BadParameter.__module__)

# command name -> module that defines it (each has register(app, args))
COMMANDS: dict[str, str] = {
    "route": "route",
    "batch": "batch",
    "check": "check",
    "schema": "schema",
    "new": "new",
    "spec": "spec",
    "rules": "rules",
    "glossary": "glossary",
}


def build_app(args: Sequence[str] = ()) -> typer.Typer:
    """The typer app, every command registered. ``args`` is the command line it will run:
    ``route`` takes its purchase flags from the rule pack that line names."""
    from .._version import __version__

    app = typer.Typer(
        name="commission",
        help="A procurement route advisor for public-sector commissioning: describe a "
        "purchase, get the commissioning method the authority's rules point to, and why.",
        add_completion=False,
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        context_settings={"help_option_names": ["-h", "--help"]},
    )

    def show_version(value: bool) -> None:
        if value:
            typer.echo(f"commission {__version__}")
            raise typer.Exit()

    @app.callback()
    def root(
        version: bool = typer.Option(
            False,
            "--version",
            is_eager=True,
            callback=show_version,
            help="Print the version and exit.",
        ),
    ) -> None:
        """A procurement route advisor for public-sector commissioning."""

    for name in _commands_for(args):
        import_module(f".{COMMANDS[name]}", __name__).register(app, args)
    return app


def _commands_for(args: Sequence[str]) -> list[str]:
    """The commands to register: only the one being run when the line names one (its
    module alone is imported, so `route` starts without batch's or the pack
    checker's imports), else all of them, for `commission --help`."""
    named = [a for a in args if not a.startswith("-")][:1]
    if named and named[0] in COMMANDS and args and args[0] == named[0]:
        return named
    return list(COMMANDS)


def app_for(args: Sequence[str]) -> typer.Typer:
    """The app as ``commission ARGS`` builds it (for tests: typer's CliRunner runs it)."""
    return build_app(args)


def main(argv: list[str] | None = None) -> None:
    """The ``commission`` script."""
    _reopen_closed_streams()
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        catch_stop_signals()
        code = run(args)
        if _printed_to_closed_stdout():  # help, the version, or the help for no arguments
            say("error: stdout is closed, so nothing was printed; run it without >&-")
            code = code or EXIT_INPUT
    except Stopped as exc:  # TERM or HUP just as run() began or ended: still a clean stop
        # Ended, the command may have written its output whole: never say it did not.
        say(f"stopped by {signal.Signals(exc.signum).name}: nothing was left half-written")
        code = 128 + exc.signum
    sys.exit(code)


def _printed_to_closed_stdout() -> bool:
    from ..io import files

    return (
        1 in files.closed_at_start
        and isinstance(sys.stdout, io.StringIO)
        and bool(sys.stdout.getvalue())
    )


def run(args: list[str]) -> int:
    unknown = _unknown_command(args)
    if unknown:
        say(unknown)
        return EXIT_INPUT
    try:
        command = typer.main.get_command(build_app(args))
        result = command.main(args=args, prog_name="commission", standalone_mode=False)
        return result if isinstance(result, int) else 0
    except typer.Exit as exc:
        return int(getattr(exc, "exit_code", 0))
    except SystemExit as exc:
        # typer answers a closed pipe while it writes help or the version with exit 1;
        # every command ends quietly with 0 there (``| head``), and so does the help.
        if isinstance(exc.__context__, BrokenPipeError):
            from .common import silence_stdout

            silence_stdout()
            return 0
        raise
    except typer.Abort:
        say("interrupted")
        return EXIT_INTERRUPTED
    except KeyboardInterrupt:
        say("interrupted: nothing was left half-written")
        return EXIT_INTERRUPTED
    except Stopped as exc:  # TERM or HUP outside a command's own handlers (one stops itself)
        # Perhaps after the command wrote its output whole: never say it did not.
        say(f"stopped by {signal.Signals(exc.signum).name}: nothing was left half-written")
        return 128 + exc.signum
    except click.UsageError as exc:
        message = usage_message(exc, args)
        if message:  # none when the help was shown instead (a command with no arguments)
            # The option as typed may hold an escape sequence: never sent to the terminal raw.
            say(shown(f"error: {message}"))
        return EXIT_INPUT
    except MemoryError:
        say("error: ran out of memory; close other programs or raise the memory limit")
        return EXIT_INPUT
    except OSError as exc:  # help or the version to a full disk, a closed pipe
        from .common import silence_stdout

        silence_stdout()
        say(f"error: cannot write the output: {exc.strerror or exc}")
        return EXIT_INPUT
    except Exception as exc:  # pragma: no cover - a fault in the tool
        if os.environ.get("COMMISSION_DEBUG"):
            raise
        say(f"internal error: {type(exc).__name__}: {exc} (a fault in commission)")
        return EXIT_INTERNAL


def _unknown_command(args: Sequence[str]) -> str | None:
    first = next((a for a in args if a not in ("--version", "-h", "--help")), None)
    if first is None or first.startswith("-") or first in COMMANDS:
        return None
    close = difflib.get_close_matches(first, list(COMMANDS), n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"error: no command {first!r}{hint} (commands: {', '.join(COMMANDS)})"


def usage_message(exc: Any, args: Sequence[str]) -> str:
    """A usage error in the tool's own words, naming the option and the nearest right one."""
    if isinstance(exc, click.NoSuchOption):
        known = _options(exc.ctx)
        close = difflib.get_close_matches(exc.option_name, known, n=1)
        hint = f"; did you mean {close[0]}?" if close else ""
        return f"{exc.option_name}: no such option{hint}"
    if isinstance(exc, click.BadOptionUsage) and exc.option_name:
        if any(a.startswith(f"{exc.option_name}=") for a in args):
            return f"{exc.option_name}: takes no value; give it alone"
        return f"{exc.option_name}: needs a value"
    if isinstance(exc, click.MissingParameter) and exc.param is not None:
        return f"{_param_name(exc.param)}: is required"
    if isinstance(exc, click.BadParameter) and exc.param is not None:
        name = _param_name(exc.param)
        given = _value_given(args, exc.param)
        choices = _choices(exc.param)
        if choices:
            close = difflib.get_close_matches(str(given or ""), choices, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            return f"{name}: {given!r} is not one of {', '.join(choices)}{hint}"
        kind = _kind(exc.param)
        return f"{name}: {given!r} is not {kind}" if given is not None else f"{name}: not valid"
    group: Any = getattr(getattr(exc, "ctx", None), "command", None)
    subcommands = list(getattr(group, "commands", None) or ())
    if subcommands:
        name = str(group.name)
        after = args[args.index(name) + 1 :] if name in args else []
        unknown = next((a for a in after if not a.startswith("-") and a not in subcommands), None)
        if unknown is not None:
            close = difflib.get_close_matches(unknown, subcommands, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            names = ", ".join(subcommands)
            return f"no command {unknown!r} of {name}{hint} ({name} commands: {names})"
    message = exc.format_message()
    if not message.strip():
        return ""
    extra = _extra_arguments(getattr(exc, "ctx", None), args)
    if extra:
        command = " ".join(exc.ctx.command_path.split()[1:])
        return f"unexpected extra argument {extra[0]!r}; see commission {command} --help"
    return f"{message} (see commission --help)"


def _extra_arguments(ctx: Any, args: Sequence[str]) -> list[str]:
    """The arguments after the command that no option and no argument of it takes."""
    if ctx is None or getattr(ctx, "info_name", None) not in args:
        return []
    params = ctx.command.params
    takes_value = {
        name
        for p in params
        if p.param_type_name == "option" and not p.is_flag and not getattr(p, "count", False)
        for name in (*p.opts, *p.secondary_opts)
    }
    words = iter(args[args.index(ctx.info_name) + 1 :])
    given: list[str] = []
    for word in words:
        if word == "--":
            given.extend(words)
        elif word.startswith("-") and len(word) > 1:
            if "=" not in word and word in takes_value:
                next(words, None)  # the option's value
        else:
            given.append(word)
    wanted = sum(max(p.nargs, 1) for p in params if p.param_type_name == "argument")
    return given[wanted:]


# Where an option's type is kept differs between typer releases: click's ParamType
# (``param.type``) in older ones, the annotation (``param.type_descriptor``) in newer.
def _annotation(param: Any) -> Any:
    annotation = getattr(getattr(param, "type_descriptor", None), "annotation", None)
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    return args[0] if len(args) == 1 else annotation  # "X | None" is X


def _choices(param: Any) -> list[str]:
    """The values an option takes, if it takes one of a few."""
    choices = getattr(getattr(param, "type", None), "choices", None)
    if choices:
        return [str(getattr(c, "value", c)) for c in choices]
    annotation = _annotation(param)
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return [str(member.value) for member in annotation]
    return []


def _kind(param: Any) -> str:
    name = getattr(getattr(param, "type", None), "name", None)
    annotation = _annotation(param)
    if name == "integer" or annotation is int:
        return "a whole number"
    if name == "float" or annotation is float:
        return "a number"
    return "right"


def _options(ctx: Any) -> list[str]:
    if ctx is None:
        return []
    return [opt for p in ctx.command.params for opt in (*p.opts, *p.secondary_opts)]


def _param_name(param: Any) -> str:
    return max(param.opts, key=len) if param.opts else str(param.name).upper()


def _value_given(args: Sequence[str], param: Any) -> Any:
    for i, arg in enumerate(args):
        for opt in param.opts:
            if arg == opt and i + 1 < len(args):
                return args[i + 1]
            if arg.startswith(opt + "="):
                return arg.split("=", 1)[1]
    return None


def _reopen_closed_streams() -> None:
    """A descriptor closed by the caller (``>&-``) is None here: give it a stand-in, so
    nothing fails at the first print; writing the answer to a closed stdout is refused
    where it is written (io.files.open_output)."""
    from ..io import files

    if sys.stdout is None:
        files.closed_at_start.add(1)
        # Kept, not thrown away: help or the version printed here had nowhere to go,
        # which run() then says (the answers themselves are refused before writing).
        sys.stdout = io.StringIO()
    if sys.stderr is None:
        files.closed_at_start.add(2)
        sys.stderr = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115
