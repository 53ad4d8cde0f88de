"""`commission schema`: the JSON Schemas of input and output, which real outputs must satisfy."""

from __future__ import annotations

import json

import jsonschema
import pytest
import yaml

from .conftest import EXAMPLES, run_installed
from .test_cli_route import DECISION_KEYS


@pytest.fixture(scope="module")
def schemas(cli_module):
    return {
        which: json.loads(cli_module("schema", which).stdout) for which in ("purchase", "decision")
    }


@pytest.fixture(scope="module")
def cli_module():
    from typer.testing import CliRunner

    from commission_cli.cli import build_app

    runner = CliRunner()
    return lambda *args: runner.invoke(build_app(), list(args))


@pytest.mark.parametrize(
    "name", sorted(p.name for p in EXAMPLES.iterdir() if p.suffix in (".yaml", ".json"))
)
def test_every_example_satisfies_the_purchase_schema(schemas, name):
    data = yaml.safe_load((EXAMPLES / name).read_text())
    jsonschema.validate(data, schemas["purchase"])


@pytest.mark.parametrize(
    "name", sorted(p.name for p in EXAMPLES.iterdir() if p.suffix in (".yaml", ".json"))
)
def test_every_decision_satisfies_the_decision_schema(schemas, cli_module, name):
    decision = json.loads(cli_module("route", str(EXAMPLES / name), "-f", "json").stdout)
    jsonschema.validate(decision, schemas["decision"])


def test_batch_lines_satisfy_the_decision_schema(schemas, cli_module, tmp_path):
    path = tmp_path / "register.csv"
    path.write_text(
        "title,annual_value,years,outcomes,core_costs\n"
        "A,45k,3,certain,\nB,3000,1,less_certain,\nC,90000,1,certain,true\n"
    )
    for line in cli_module("batch", str(path), "-q").stdout.splitlines():
        jsonschema.validate(json.loads(line), schemas["decision"])


def test_purchase_schema_refuses_unknown_keys(schemas):
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(
            {"title": "t", "outcomes": "certain", "anual_value": 5}, schemas["purchase"]
        )


def test_decision_schema_names_every_key_of_the_contract(schemas):
    assert set(schemas["decision"]["required"]) >= DECISION_KEYS


def test_schema_from_the_installed_script():
    result = run_installed("schema", "purchase")
    assert json.loads(result.stdout)["title"] == "Purchase description"
