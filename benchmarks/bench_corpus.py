"""How every file of the hostile corpus (tests/corpus.py) ends in the engine, per kind, and the peak
memory of loading the largest one that loads: the README's reliability figure.

    .venv/bin/python -m benchmarks.bench_corpus

Each file goes through what `alcore simulate` and the pages do before a simulation: read_table,
make_dataset, simulation_arrays. "Right" means it ended as the corpus says it must (simulate, load,
or refuse in words). The peak is a fresh process's peak RSS while it loads the largest file and
builds its features, and its rise over the imports, the median of 3 runs; the seconds are the median of 3 runs of the whole corpus.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.corpus, run from anywhere

from tests.corpus import write_corpus  # noqa: E402
from tests.test_corpus import load_through_engine  # noqa: E402

RUNS = 3


_PEAK = """
import sys, warnings
from pathlib import Path
warnings.simplefilter("ignore")
from tests.corpus import CorpusFile
from tests.test_corpus import load_through_engine

def status(field):
    line = next(l for l in open("/proc/self/status") if l.startswith(field))
    return int(line.split()[1]) / 1024

Path("/proc/self/clear_refs").write_text("5")  # Linux: the peak (VmHWM) starts again from here
before = status("VmRSS:")
print(load_through_engine(CorpusFile(Path(sys.argv[1]), "", sys.argv[2], ""))[0])
print(before, status("VmHWM:"))
"""


def peak_mib(file) -> tuple[float, float]:
    """(peak RSS of a fresh process while it loads `file`, its rise over the RSS after the imports), MiB."""
    root = Path(__file__).resolve().parents[1]
    run = subprocess.run(
        [sys.executable, "-c", _PEAK, str(file.path), file.label], capture_output=True, text=True, cwd=root, check=True
    )
    before, after = map(float, run.stdout.split()[-2:])
    return after, after - before


def main() -> None:
    warnings.simplefilter("ignore")
    with tempfile.TemporaryDirectory() as folder:
        corpus = write_corpus(Path(folder))
        ended, seconds = {}, []
        for _ in range(RUNS):
            started = time.perf_counter()
            for file in corpus:
                ended[file.path.name] = load_through_engine(file)[0]
            seconds.append(time.perf_counter() - started)
        by_kind = defaultdict(Counter)
        for file in corpus:
            by_kind[file.kind][ended[file.path.name]] += 1
            by_kind[file.kind]["right"] += ended[file.path.name] == file.expect
        largest = max((f for f in corpus if f.expect == "simulate"), key=lambda file: file.path.stat().st_size)
        peaks = [peak_mib(largest) for _ in range(RUNS)]
        peak = statistics.median(p[0] for p in peaks)
        rise = statistics.median(p[1] for p in peaks)
        right = sum(counts["right"] for counts in by_kind.values())
        print(f"{len(corpus)} files, {right} ended as they must; whole corpus {statistics.median(seconds):.1f} s\n")
        print(f"| {'kind':<34} | files | simulated | loaded, simulation refused in words | refused in words | right |")
        print(f"|{'-' * 36}|-------|-----------|-------------------------------------|------------------|-------|")
        for kind, counts in by_kind.items():
            total = counts["simulate"] + counts["load"] + counts["refuse"]
            print(
                f"| {kind:<34} | {total:>5} | {counts['simulate']:>9} | {counts['load']:>35} | "
                f"{counts['refuse']:>16} | {counts['right']:>5} |"
            )
        size = largest.path.stat().st_size / 2**20
        print(
            f"\nLargest file: {largest.path.name} ({size:.1f} MiB on disk); a fresh process that loads it and builds "
            f"its features peaks at {peak:.0f} MiB RSS, {rise:.0f} MiB over its RSS after the imports "
            f"(median of {RUNS})"
        )


if __name__ == "__main__":
    main()
