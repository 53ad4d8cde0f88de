"""What another user can plant cannot run, change a decision, or be touched (issue 20).

The tool keeps no cache: a rule pack is read, validated and compiled on every run,
so nothing in a cache directory is ever read, unpickled or written. These tests
keep the attacks of the adversarial run, whatever the tool does with caches later.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import stat
from pathlib import Path

import pytest

from .conftest import EXAMPLES, ROOT, as_json, run_installed

DAY_CARE = str(EXAMPLES / "day-care-restricted.yaml")
PACK = ROOT / "rules" / "wolverhampton.yaml"


class _Planted:
    """A pickle that, loaded, would create a file: proof that planted code ran."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.system, (f"touch {self.marker}",))


def _shared_dir(tmp_path: Path) -> Path:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)  # as another user would find /tmp/shared
    return shared


def _plant_everywhere(directory: Path, marker: Path) -> None:
    digest = hashlib.sha256(PACK.read_bytes()).hexdigest()
    payload = pickle.dumps(_Planted(marker))
    for name in (f"pack-{digest}.pickle", f"pack-{digest}-x.pickle", "pack-0.pickle"):
        (directory / name).write_bytes(payload)
    for sub in ("commission", "commission/cache"):
        (directory / sub).mkdir(parents=True, exist_ok=True)
        (directory / sub).chmod(0o777)
        (directory / sub / f"pack-{digest}.pickle").write_bytes(payload)


def test_a_pickle_planted_in_a_world_writable_cache_directory_never_runs(tmp_path):
    shared = _shared_dir(tmp_path)
    marker = tmp_path / "planted-code-ran"
    _plant_everywhere(shared, marker)
    env = {"COMMISSION_CACHE_DIR": str(shared), "XDG_CACHE_HOME": str(shared)}
    for _ in range(2):  # a second run, after anything the first might have written
        result = run_installed("route", DAY_CARE, "--format", "json", env=env)
        assert result.returncode == 0, result.stderr
    assert not marker.exists()


def test_the_decision_cites_the_sha256_of_the_rules_actually_applied(tmp_path):
    shared = _shared_dir(tmp_path)
    _plant_everywhere(shared, tmp_path / "marker")
    result = run_installed(
        "route", DAY_CARE, "--format", "json", env={"COMMISSION_CACHE_DIR": str(shared)}
    )
    decision = as_json(result.stdout)
    assert decision["rules"]["sha256"] == hashlib.sha256(PACK.read_bytes()).hexdigest()
    assert decision["method"]["id"] == "restricted"
    assert decision["agreement"] == "Contract"


def test_a_cache_directory_that_is_a_symlink_into_another_users_files_is_never_touched(tmp_path):
    theirs = tmp_path / "theirs"
    theirs.mkdir()
    for i in range(10):
        (theirs / f"pack-{i}.pickle").write_text("not yours", encoding="utf-8")
    before = {p.name: p.stat().st_mtime_ns for p in theirs.iterdir()}
    home = tmp_path / "home"
    home.mkdir()
    (home / "commission").symlink_to(theirs)
    env = {"COMMISSION_CACHE_DIR": str(home / "commission"), "XDG_CACHE_HOME": str(home)}
    assert run_installed("route", DAY_CARE, "--format", "json", env=env).returncode == 0
    assert {p.name: p.stat().st_mtime_ns for p in theirs.iterdir()} == before


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_where_a_cache_entry_would_be_does_not_keep_route_waiting(tmp_path):
    cache = tmp_path / "cache"
    cache.mkdir()
    digest = hashlib.sha256(PACK.read_bytes()).hexdigest()
    os.mkfifo(cache / f"pack-{digest}.pickle")
    result = run_installed(
        "route", DAY_CARE, "--format", "json", env={"COMMISSION_CACHE_DIR": str(cache)}, timeout=30
    )
    assert result.returncode == 0
    assert stat.S_ISFIFO(os.lstat(cache / f"pack-{digest}.pickle").st_mode)
