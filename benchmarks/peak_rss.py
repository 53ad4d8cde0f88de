"""Run a Python console script and write its peak resident memory (KiB) to a file.

    python benchmarks/peak_rss.py OUT SCRIPT [ARGS...]

Linux carries a parent's resident-set high-water mark across fork and exec into
the child's ru_maxrss, so wait4() reports at least the parent's own size (pytest
past 300 MiB, in CI). This reads the process's own high-water mark instead
(VmHWM, which belongs to the address space made at exec) as the script ends.
Used by benchmarks/bench.py and by the fuzz tests.
"""

import runpy
import sys

out, script = sys.argv[1], sys.argv[2]
sys.argv = [script, *sys.argv[3:]]
try:
    runpy.run_path(script, run_name="__main__")
finally:
    with open("/proc/self/status") as status:
        peak = next(line.split()[1] for line in status if line.startswith("VmHWM:"))
    with open(out, "w") as f:
        f.write(peak)
