"""How fast is commission, measured against floors taken in the same run.

    python benchmarks/bench.py                 # 1,000,000 rows, the issue's figures
    python benchmarks/bench.py --rows 200000   # quicker

Prints each figure and each ratio (speed and memory are medians of --rounds
rounds, each round one run of every command; cold starts are medians of --runs
interleaved runs):

* the floor: Python's csv.DictReader merely reading the generated register;
* `commission batch` end to end to /dev/null, CSV out and JSON Lines out,
  as rows per second and as a ratio to the floor (target: at least 0.5): as a
  user runs it (one worker process per core), and in one process (--jobs 1);
* peak memory (RSS) of `batch` for 10,000 and for all the rows, the workers'
  counted in (target: the larger no more than 1.1 times the smaller);
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


def batch(script: Path, path: Path, fmt: str, *extra: str) -> float:
    """Wall time of `commission batch` to /dev/null."""
    command = ["batch", str(path), "--format", fmt, "--quiet", "-o", os.devnull, *extra]
    return timed([str(script), *command], env=_env())


def batch_peak(python: Path, script: Path, path: Path, fmt: str) -> tuple[int, int]:
    """Peak RSS (KiB) of `commission batch` to /dev/null, every process of it counted
    (its workers too), and how many processes there were.

    Each process's own high-water mark (VmHWM, see peak_rss.py) is read from /proc
    every few milliseconds while it runs; the figure is their sum, as if every process
    had peaked at once. A run apart from the timed ones, as the sampling takes time.
    """
    peak = HERE / "out" / "peak-rss"
    command = ["batch", str(path), "--format", fmt, "--quiet", "-o", os.devnull]
    proc = subprocess.Popen(
        [str(python), str(PEAK_RSS), str(peak), str(script), *command], env=_env()
    )
    highs: dict[int, int] = {}
    while proc.poll() is None:
        for pid in _tree(proc.pid):
            high = _vm_hwm(pid)
            if high:
                highs[pid] = max(highs.get(pid, 0), high)
        time.sleep(0.005)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(command)} failed with exit {proc.returncode}")
    highs[proc.pid] = int(peak.read_text())  # the main process's, as it ended
    return sum(highs.values()), len(highs)


def _tree(pid: int) -> list[int]:
    found = [pid]
    for each in found:
        try:
            children = Path(f"/proc/{each}/task/{each}/children").read_text().split()
        except OSError:
            continue
        found.extend(int(child) for child in children)
    return found


def _vm_hwm(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _env() -> dict[str, str]:
    return {**os.environ, "COMMISSION_CACHE_DIR": str(HERE / "out" / "cache")}


def warm_pack_cache(script: Path) -> None:
    subprocess.run(
        [str(script), "route", str(EXAMPLE), "--format", "json"],
        stdout=subprocess.DEVNULL,
        env=_env(),
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
    parser.add_argument(
        "--rounds", type=int, default=3, help="runs of each speed and memory figure (median)"
    )
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
        # Each figure is the median of its runs, taken in rounds of one run of each, so
        # that a slow spell of the machine (a shared one, say) falls on every figure
        # alike rather than on one.
        speeds: dict[str, list[float]] = {}
        peaks: dict[str, list[int]] = {}
        processes = small_processes = 0
        for _ in range(args.rounds):
            speeds.setdefault("floor", []).append(floor_read(python, big))
            for fmt in ("csv", "jsonl"):
                speeds.setdefault(fmt, []).append(batch(script, big, fmt))
            for fmt in ("csv", "jsonl"):
                one = batch(script, big, fmt, "--jobs", "1")
                speeds.setdefault(f"{fmt} one", []).append(one)
            for fmt in ("csv", "jsonl"):
                kib, processes = batch_peak(python, script, big, fmt)
                peaks.setdefault(fmt, []).append(kib)
                kib, small_processes = batch_peak(python, script, small, fmt)
                peaks.setdefault(f"{fmt} small", []).append(kib)
        floor = statistics.median(speeds["floor"])
        csv_s, jsonl_s = statistics.median(speeds["csv"]), statistics.median(speeds["jsonl"])
        csv_one_s = statistics.median(speeds["csv one"])
        jsonl_one_s = statistics.median(speeds["jsonl one"])
        csv_rss, jsonl_rss = statistics.median(peaks["csv"]), statistics.median(peaks["jsonl"])
        small_rss = statistics.median(peaks["csv small"])
        small_jsonl_rss = statistics.median(peaks["jsonl small"])

        def rate(seconds: float) -> float:
            return float(args.rows) / seconds

        print()
        print(f"speed and memory: medians of {args.rounds} rounds of runs")
        print(f"{'floor: csv.DictReader reads the register':48} {rate(floor):>12,.0f} rows/s")
        jobs = len(os.sched_getaffinity(0))
        for name, seconds in (
            (f"batch --format csv ({jobs} cores)", csv_s),
            (f"batch --format jsonl ({jobs} cores)", jsonl_s),
        ):
            print(
                f"{name:48} {rate(seconds):>12,.0f} rows/s   ratio {floor / seconds:.3f}"
                "  (target >= 0.5)"
            )
        for name, seconds in (
            ("batch --format csv --jobs 1", csv_one_s),
            ("batch --format jsonl --jobs 1", jsonl_one_s),
        ):
            print(f"{name:48} {rate(seconds):>12,.0f} rows/s   ratio {floor / seconds:.3f}")
        print()
        print(
            f"peak RSS counts every process: {small_processes} for {args.small:,} rows, "
            f"{processes} for {args.rows:,} (the batch and its workers)"
        )
        for name, small_kib, big_kib in (
            ("csv", small_rss, csv_rss),
            ("jsonl", small_jsonl_rss, jsonl_rss),
        ):
            print(
                f"peak RSS, batch --format {name:5}: {args.small:>9,} rows "
                f"{small_kib / 1024:7.1f} MiB"
                f" | {args.rows:>9,} rows {big_kib / 1024:7.1f} MiB   ratio "
                f"{big_kib / small_kib:.3f}  (target <= 1.1)"
            )
        print()
        starts = cold_starts(python, script, args.runs)
        for name, seconds in starts.items():
            print(f"cold start, {name:34} {seconds * 1000:8.1f} ms (median of {args.runs})")
        route = starts["commission route --format json"]
        print(
            f"ratio route / typer app: {route / starts['one-command typer app']:.3f}  "
            "(target <= 1.1)"
        )
        print(f"ratio route / python -c pass: {route / starts['python -c pass']:.2f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
