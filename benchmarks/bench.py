"""How fast is commission, measured against floors taken in the same run.

    python benchmarks/bench.py                 # 1,000,000 rows, the issue's figures
    python benchmarks/bench.py --rows 200000   # quicker

Prints each figure and each ratio:

* the floor: Python's csv.DictReader merely reading the generated register;
* `commission batch` end to end to /dev/null, CSV out and JSON Lines out,
  as rows per second and as a ratio to the floor (target: at least 0.5);
* peak memory (RSS) of `batch` for 10,000 and for all the rows (target: the
  larger no more than 1.1 times the smaller);
* the cold start of `commission route examples/<one>.yaml --format json`
  against `python -c pass` and a one-command typer app in the same virtual
  environment, runs interleaved, medians (target: route no more than 1.1 times
  the typer app).

The tool is measured as a user installs it: `pip install .` into a virtual
environment of its own (benchmarks/out/venv, made on the first run; --venv to
use another). An editable install would add its import hook to every start.
Run by hand, not by the test suite: the figures depend on the machine.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import register  # noqa: E402

EXAMPLE = ROOT / "examples" / "day-care-restricted.yaml"
TYPER_APP = """
import typer

app = typer.Typer()


@app.command()
def main(name: str = "world") -> None:
    print(f"hello {name}")


if __name__ == "__main__":
    app()
"""


def make_venv(path: Path, rebuild: bool) -> Path:
    python = path / "bin" / "python"
    if rebuild and path.exists():
        shutil.rmtree(path)
    if not python.exists():
        print(f"making {path} (pip install .) ...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(path)], check=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", str(ROOT)],
            check=True,
            env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"},
        )
    else:
        # Keep the installed copy in step with the checkout.
        subprocess.run(
            [
                str(python),
                "-m",
                "pip",
                "install",
                "-q",
                "--no-deps",
                "--force-reinstall",
                str(ROOT),
            ],
            check=True,
            env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"},
        )
    return python


def timed(cmd: list[str], **kwargs: object) -> float:
    """Wall time of one command; it must exit 0 or 1."""
    start = time.perf_counter()
    proc = subprocess.run(cmd, check=False, **kwargs)  # type: ignore[call-overload]
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed with exit {proc.returncode}")
    return elapsed


PEAK_RSS = HERE / "peak_rss.py"  # runs a script and writes its own peak RSS


def floor_read(python: Path, path: Path) -> float:
    code = (
        "import csv,sys\nn=0\nwith open(sys.argv[1], newline='', encoding='utf-8') as f:\n"
        "    for row in csv.DictReader(f): n+=1\n"
    )
    return timed([str(python), "-c", code, str(path)])


def batch(python: Path, script: Path, path: Path, fmt: str) -> tuple[float, int]:
    """Wall time and peak RSS (KiB) of `commission batch` to /dev/null."""
    peak = HERE / "out" / "peak-rss"
    command = ["batch", str(path), "--format", fmt, "--quiet", "-o", os.devnull]
    seconds = timed(
        [str(python), str(PEAK_RSS), str(peak), str(script), *command],
        env={**os.environ, "COMMISSION_CACHE_DIR": str(HERE / "out" / "cache")},
    )
    return seconds, int(peak.read_text())


def warm_pack_cache(script: Path) -> None:
    subprocess.run(
        [str(script), "route", str(EXAMPLE), "--format", "json"],
        stdout=subprocess.DEVNULL,
        env={**os.environ, "COMMISSION_CACHE_DIR": str(HERE / "out" / "cache")},
        check=True,
    )


def cold_starts(python: Path, script: Path, runs: int) -> dict[str, float]:
    app = HERE / "out" / "typer_one_command.py"
    app.write_text(TYPER_APP, encoding="utf-8")
    env = {**os.environ, "COMMISSION_CACHE_DIR": str(HERE / "out" / "cache")}
    commands = {
        "python -c pass": [str(python), "-c", "pass"],
        "one-command typer app": [str(python), str(app)],
        "commission route --format json": [str(script), "route", str(EXAMPLE), "--format", "json"],
    }
    # Warm the disk cache and the rule pack cache before measuring.
    for cmd in commands.values():
        subprocess.run(cmd, stdout=subprocess.DEVNULL, env=env, check=False)
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):  # interleaved, so a busy moment hurts all alike
        for name, cmd in commands.items():
            times[name].append(timed(cmd, stdout=subprocess.DEVNULL, env=env))
    return {name: statistics.median(values) for name, values in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=10_000, help="rows for the memory floor")
    parser.add_argument("--seed", type=int, default=2009)
    parser.add_argument("--runs", type=int, default=21, help="cold-start runs of each command")
    parser.add_argument("--venv", type=Path, default=HERE / "out" / "venv")
    parser.add_argument("--rebuild", action="store_true", help="make the venv afresh")
    args = parser.parse_args()

    (HERE / "out").mkdir(exist_ok=True)
    python = make_venv(args.venv, args.rebuild)
    script = python.with_name("commission")
    work = Path(tempfile.mkdtemp(prefix="commission-bench-"))
    try:
        big = register.write(work / "register.csv", args.rows, args.seed)
        small = register.write(work / "small.csv", args.small, args.seed)
        size = big.stat().st_size
        print(
            f"register: {args.rows:,} rows, {size / 1e6:.1f} MB (seed {args.seed}); "
            f"Python {sys.version.split()[0]}"
        )

        # The first run after an install compiles the rule pack and caches it; run once
        # so that every measured run, large or small, loads the cached pack alike.
        warm_pack_cache(script)
        floor = floor_read(python, big)
        csv_s, csv_rss = batch(python, script, big, "csv")
        jsonl_s, jsonl_rss = batch(python, script, big, "jsonl")
        _, small_rss = batch(python, script, small, "csv")
        _, small_jsonl_rss = batch(python, script, small, "jsonl")

        def rate(seconds: float) -> float:
            return float(args.rows) / seconds

        print()
        print(f"{'floor: csv.DictReader reads the register':48} {rate(floor):>12,.0f} rows/s")
        for name, seconds in (("batch --format csv", csv_s), ("batch --format jsonl", jsonl_s)):
            print(
                f"{name:48} {rate(seconds):>12,.0f} rows/s   ratio {floor / seconds:.2f}"
                "  (target >= 0.50)"
            )
        print()
        for name, small_kib, big_kib in (
            ("csv", small_rss, csv_rss),
            ("jsonl", small_jsonl_rss, jsonl_rss),
        ):
            print(
                f"peak RSS, batch --format {name:5}: {args.small:>9,} rows "
                f"{small_kib / 1024:7.1f} MiB"
                f" | {args.rows:>9,} rows {big_kib / 1024:7.1f} MiB   ratio "
                f"{big_kib / small_kib:.2f}  (target <= 1.10)"
            )
        print()
        starts = cold_starts(python, script, args.runs)
        for name, seconds in starts.items():
            print(f"cold start, {name:34} {seconds * 1000:8.1f} ms (median of {args.runs})")
        route = starts["commission route --format json"]
        print(
            f"ratio route / typer app: {route / starts['one-command typer app']:.2f}  "
            "(target <= 1.10)"
        )
        print(f"ratio route / python -c pass: {route / starts['python -c pass']:.2f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
