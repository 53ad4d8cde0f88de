"""Where ``-o`` writes: a symlink keeps its link, a descriptor of the process is written
to as it stands, and no command writes over the pack it read or the files it names."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from .conftest import EXAMPLES, ROOT, installed_script

DAY_CARE = str(EXAMPLES / "day-care-restricted.yaml")
REGISTER = str(EXAMPLES / "register.csv")


def _route_into(args: list[str], stdout_file: Path, mode: str = "wb") -> int:
    with stdout_file.open(mode) as handle:
        done = subprocess.run(
            [installed_script(), "route", DAY_CARE, "-f", "json", *args],
            stdout=handle,
            stderr=subprocess.PIPE,
            timeout=60,
        )
    assert done.stderr == b"", done.stderr
    return done.returncode


@pytest.mark.parametrize("name", ["/dev/stdout", "/dev/fd/1", "link-to-stdout"])
def test_output_to_stdout_by_name_goes_to_stdout_and_replaces_no_link(tmp_path, name):
    if name == "link-to-stdout":
        (tmp_path / name).symlink_to("/proc/self/fd/1")
        name = str(tmp_path / name)
    captured = tmp_path / "captured.json"
    assert _route_into(["-o", name], captured) == 0
    assert json.loads(captured.read_text())["method"]["id"] == "restricted"
    assert os.path.islink("/dev/stdout")
    if name.endswith("link-to-stdout"):
        assert os.path.islink(name)


def test_output_to_stdout_by_name_keeps_what_it_is_appended_to(tmp_path):
    log = tmp_path / "log.txt"
    log.write_text("earlier\n")
    assert _route_into(["-o", "/dev/stdout"], log, mode="ab") == 0
    text = log.read_text()
    assert text.startswith("earlier\n{") and '"restricted"' in text


def test_output_to_a_symlink_replaces_the_link_never_the_file_it_names(tmp_path):
    """A link planted in a shared folder must not lead a root run to replace what it
    names (/etc/shadow, another user's file)."""
    real = tmp_path / "real.json"
    real.write_text("old\n")
    link = tmp_path / "link.json"
    link.symlink_to(real.name)
    result = subprocess.run(
        [installed_script(), "route", DAY_CARE, "-o", str(link)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert not link.is_symlink()
    assert json.loads(link.read_text())["method"]["id"] == "restricted"
    assert real.read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.json", "real.json"]


def test_output_to_a_closed_descriptor_is_refused(cli):
    result = cli("route", DAY_CARE, "-o", "/dev/fd/97")
    assert result.exit_code == 2
    assert "/dev/fd/97: names a closed descriptor" in result.stderr


def _pack_beside_its_specification(tmp_path: Path) -> tuple[Path, Path]:
    folder = tmp_path / "pk"
    folder.mkdir()
    pack = folder / "w.yaml"
    pack.write_bytes((ROOT / "rules" / "wolverhampton.yaml").read_bytes())
    spec = folder / "specification.yaml"
    spec.write_bytes((ROOT / "rules" / "specification.yaml").read_bytes())
    return pack, spec


@pytest.mark.parametrize(
    ("command", "target"),
    [
        (["batch", REGISTER], "pack"),
        (["route", DAY_CARE], "pack"),
        (["spec", DAY_CARE, "--force"], "pack"),
        (["spec", DAY_CARE, "--force"], "specification"),
        (["rules", "show"], "specification"),
    ],
)
def test_no_command_writes_over_the_pack_it_reads_or_the_files_it_names(
    cli, tmp_path, command, target
):
    pack, spec = _pack_beside_its_specification(tmp_path)
    before = {pack: pack.read_bytes(), spec: spec.read_bytes()}
    output = pack if target == "pack" else spec
    result = cli(*command, "--rules", str(pack), "-o", str(output))
    assert result.exit_code == 2
    assert f"{output}: is the file being read" in result.stderr
    assert {p: p.read_bytes() for p in before} == before


def test_the_pack_named_by_the_environment_is_not_written_over_either(tmp_path):
    pack, _ = _pack_beside_its_specification(tmp_path)
    before = pack.read_bytes()
    result = subprocess.run(
        [installed_script(), "batch", REGISTER, "-o", str(pack)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "COMMISSION_RULES": str(pack)},
    )
    assert result.returncode == 2 and "is the file being read" in result.stderr
    assert pack.read_bytes() == before
