"""``commission spec FILE``: a service specification skeleton for a purchase."""

from __future__ import annotations

from collections.abc import Sequence

import typer

from ..safe import shown
from .common import EXIT_OK, rules_option, say, user_errors

_HELP = """Write a service specification skeleton for a purchase, as Markdown.

FILE is the purchase description (YAML or JSON; - reads stdin). The skeleton
has the headings of the specification file the rule pack names (for the
shipped pack, Appendix 1 of its commissioning framework), filled from the
purchase where it can be (name, cost a year and in total, length, the
recommended route and the pack's results) and prompts elsewhere. Printed, or
written to --output FILE, which is never replaced unless --force is given,
and never when it is FILE itself.
"""


def spec_command(
    file: str = typer.Argument(
        ...,
        metavar="FILE|-",
        help="Purchase description (YAML or JSON); - reads stdin.",
        show_default=False,
    ),
    output: str | None = typer.Option(
        None, "--output", "-o", metavar="FILE", help="Write the specification to FILE."
    ),
    force: bool = typer.Option(False, "--force", help="Replace the --output file if it exists."),
    rules: str | None = rules_option(),
) -> None:
    with user_errors():
        from ..engine.route import route
        from ..io.documents import read_purchase_document
        from ..io.files import is_stdout, refuse_input_as_output, write_new, write_output
        from ..model.purchase import validate
        from ..render.spec import load_specification, spec_markdown
        from ..rules.load import files_read, load_rules

        pack = load_rules(rules)
        inputs = [file, *files_read(pack)]  # the purchase, the pack, its specification
        refuse_input_as_output(output, inputs)
        spec = load_specification(pack)
        document = read_purchase_document(file)
        purchase = validate(pack.purchase_model, document.data, document=document)
        decision = route(purchase, pack)
        text = spec_markdown(decision, pack, spec, source=None if file == "-" else file)
        if is_stdout(output):
            write_output(text, None)
        else:
            assert output is not None
            write_new(output, text, force=force, inputs=inputs)
            say(f"Wrote {shown(output)}: the service specification for {shown(purchase.title)}.")
    raise typer.Exit(EXIT_OK)


def register(app: typer.Typer, args: Sequence[str] = ()) -> None:
    app.command("spec", help=_HELP)(spec_command)
