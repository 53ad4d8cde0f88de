"""How fast is commission, measured against floors taken in the same run.

    python benchmarks/bench.py                       # every shape, 200,000 rows
    python benchmarks/bench.py --rows 1000000 --no-speed   # memory at a million rows
    python benchmarks/bench.py --register mine.csv   # a register of your own as well

Each figure is a ratio to a floor measured in the same run, on the same file, so
that a busy moment of a shared machine falls on both alike; speeds are medians of
``--rounds`` interleaved rounds (one run of every command per round, and the floor,
which is over in a second, read before and after each of the tool's runs).

* **Batch speed**, on every register shape (``register.SHAPES``: the generated
  register, uniform amounts with pence and fractional lengths, a council-shaped
  register) and any ``--register`` given: rows a second of ``commission batch``
  to /dev/null (CSV out and JSON Lines out) ÷ rows a second of Python's
  ``csv.DictReader`` merely reading the same file.
* **Memory**: the peak resident memory of ``batch`` (CSV out) on ``--rows`` rows
  ÷ on ``--small`` rows, per shape (target: at most 1.2).
* **Cold start**: ``commission route examples/day-care-restricted.yaml --format
  json`` ÷ a one-command typer app in the same environment (target: at most 1.3).

The tool is measured as a user installs it: ``pip install .`` into a virtual
environment of its own (benchmarks/out/venv; --venv to use another). Run by
hand, not by the test suite: the figures depend on the machine.
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
PEAK_RSS = HERE / "peak_rss.py"  # runs a script and writes its own peak RSS
TYPER_APP = """
import typer

app = typer.Typer()


@app.command()
def main(name: str = "world") -> None:
    print(f"hello {name}")


if __name__ == "__main__":
    app()
"""
FLOOR = (
    "import csv,sys\nn=0\nwith open(sys.argv[1], newline='', encoding='utf-8') as f:\n"
    "    for row in csv.DictReader(f): n+=1\n"
)


def make_venv(path: Path, rebuild: bool) -> Path:
    python = path / "bin" / "python"
    env = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    if rebuild and path.exists():
        shutil.rmtree(path)
    if not python.exists():
        print(f"making {path} (pip install .) ...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(path)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", str(ROOT)], check=True, env=env)
    else:  # keep the installed copy in step with the checkout
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
            env=env,
        )
    return python


def timed(cmd: list[str]) -> float:
    """Wall time of one command; it must exit 0 or 1."""
    start = time.perf_counter()
    proc = subprocess.run(cmd, check=False, stdout=subprocess.DEVNULL)
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed with exit {proc.returncode}")
    return elapsed


def batch_command(script: Path, path: Path, fmt: str) -> list[str]:
    return [str(script), "batch", str(path), "--format", fmt, "--quiet", "-o", os.devnull]


def peak_kib(python: Path, script: Path, path: Path) -> int:
    """Peak RSS (KiB) of one `batch --format csv`, read from the process itself."""
    out = HERE / "out" / "peak-rss"
    command = batch_command(script, path, "csv")
    proc = subprocess.run([str(python), str(PEAK_RSS), str(out), *command], check=False)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(command)} failed with exit {proc.returncode}")
    return int(out.read_text())


def count_rows(path: Path) -> int:
    import csv

    with path.open(newline="", encoding="utf-8") as handle:
        return sum(1 for _ in csv.DictReader(handle))


def speeds(python: Path, script: Path, files: dict[str, Path], rounds: int) -> None:
    times: dict[tuple[str, str], list[float]] = {}
    for _ in range(rounds):  # interleaved: a slow spell falls on every figure alike
        for name, path in files.items():
            floor = [str(python), "-c", FLOOR, str(path)]
            # The floor takes a second where the tool takes tens: read before and after
            # each of the tool's runs, so that one short slow spell cannot set its figure.
            times.setdefault((name, "floor"), []).append(timed(floor))
            for fmt in ("csv", "jsonl"):
                times.setdefault((name, fmt), []).append(timed(batch_command(script, path, fmt)))
                times[(name, "floor")].append(timed(floor))
    print(
        f"\nbatch speed, ratio to csv.DictReader reading the same file (median of {rounds}; "
        f"the floor's of {3 * rounds})"
    )
    print(
        f"{'register':28} {'rows':>10} {'floor rows/s':>13} {'csv rows/s':>11} "
        f"{'ratio':>6} {'jsonl rows/s':>13} {'ratio':>6}"
    )
    for name, path in files.items():
        rows = count_rows(path)
        floor = statistics.median(times[(name, "floor")])
        csv_s = statistics.median(times[(name, "csv")])
        jsonl_s = statistics.median(times[(name, "jsonl")])
        print(
            f"{name:28} {rows:>10,} {rows / floor:>13,.0f} {rows / csv_s:>11,.0f} "
            f"{floor / csv_s:>6.3f} {rows / jsonl_s:>13,.0f} {floor / jsonl_s:>6.3f}"
        )


def memory(python: Path, script: Path, big: dict[str, Path], small: dict[str, Path]) -> None:
    print("\npeak RSS of batch --format csv (target: large / small <= 1.2)")
    for name in big:
        small_kib, big_kib = (
            peak_kib(python, script, small[name]),
            peak_kib(python, script, big[name]),
        )
        print(
            f"{name:28} small {small_kib / 1024:7.1f} MiB | large {big_kib / 1024:7.1f} MiB   "
            f"ratio {big_kib / small_kib:.3f}"
        )


def cold_starts(python: Path, script: Path, runs: int) -> None:
    app = HERE / "out" / "typer_one_command.py"
    app.write_text(TYPER_APP, encoding="utf-8")
    commands = {
        "python -c pass": [str(python), "-c", "pass"],
        "one-command typer app": [str(python), str(app)],
        "commission route --format json": [str(script), "route", str(EXAMPLE), "--format", "json"],
    }
    for cmd in commands.values():  # warm the disk cache before measuring
        timed(cmd)
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):  # interleaved, so a busy moment hurts all alike
        for name, cmd in commands.items():
            times[name].append(timed(cmd))
    medians = {name: statistics.median(values) for name, values in times.items()}
    print(f"\ncold start (median of {runs} interleaved runs)")
    for name, seconds in medians.items():
        print(f"{name:34} {seconds * 1000:8.1f} ms")
    ratio = medians["commission route --format json"] / medians["one-command typer app"]
    print(f"ratio route / typer app: {ratio:.3f}  (target <= 1.3)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=200_000, help="rows of each generated shape")
    parser.add_argument("--small", type=int, default=10_000, help="rows for the memory floor")
    parser.add_argument("--shapes", default=",".join(register.SHAPES), help="shapes to generate")
    parser.add_argument("--register", type=Path, action="append", default=[], help="add a CSV")
    parser.add_argument("--seed", type=int, default=2009)
    parser.add_argument("--rounds", type=int, default=3, help="rounds of the speed runs")
    parser.add_argument("--runs", type=int, default=21, help="cold-start runs of each command")
    parser.add_argument("--no-memory", action="store_true", help="skip the memory figures")
    parser.add_argument("--no-speed", action="store_true", help="skip the speed figures")
    parser.add_argument("--venv", type=Path, default=HERE / "out" / "venv")
    parser.add_argument("--rebuild", action="store_true", help="make the venv afresh")
    args = parser.parse_args()

    (HERE / "out").mkdir(exist_ok=True)
    python = make_venv(args.venv, args.rebuild)
    script = python.with_name("commission")
    work = Path(tempfile.mkdtemp(prefix="commission-bench-"))
    try:
        shapes = [s for s in args.shapes.split(",") if s]
        big = {s: register.write(work / f"{s}.csv", args.rows, args.seed, s) for s in shapes}
        small = {
            s: register.write(work / f"{s}-small.csv", args.small, args.seed, s) for s in shapes
        }
        files = {**big, **{p.name: p for p in args.register}}
        print(
            f"Python {sys.version.split()[0]}, {len(os.sched_getaffinity(0))} cores; "
            f"{args.rows:,} rows of each shape (seed {args.seed})"
        )
        if not args.no_speed:
            speeds(python, script, files, args.rounds)
        if not args.no_memory:
            memory(python, script, big, small)
        cold_starts(python, script, args.runs)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
