"""Several labelers at once on one project, each in a process of their own (issues 16 and 17, "Load").

    python benchmarks/bench_team_labeling.py                          # 5 labelers, 180 s, 20,000 rows, SQLite
    python benchmarks/bench_team_labeling.py --labelers 8 --seconds 300 --second-opinions 0.2
    python benchmarks/bench_team_labeling.py --labelers 20 --seconds 120 --databases sqlite,postgresql --runs 3

A project is created on each database named (`--databases`): SQLite in a temporary folder, PostgreSQL on
a throwaway server started for the run (tests/postgres.py; Debian's postgresql) or on `--database-url`.
With several databases and `--runs`, the runs are interleaved (sqlite, postgresql, sqlite, ...) so the
machine's load falls on both alike, and the medians over runs are printed last. Each labeler is a separate
Python process that opens the project under their own name and, until the time is up, thinks 0.5 to
2 s (random) over the open batch, submits the true labels and waits for the next batch; the time
from submit to the next batch ready is recorded. A save the store refuses (SQLite's write lock held past
its 30 s wait by the other writers) is sent again after the next think, as a person presses Save again,
and counted (`saves_refused`); its wait is not in the times. Meanwhile this process looks at the open batches
twice a second: no row may be in two live batches at once. At the end the store is read back:

- labels submitted (what the labelers' submits acknowledged) must equal the labels stored;
- distinct rows labeled must equal labels submitted minus second opinions (rows asked again on
  purpose, and late answers kept as opinions), i.e. no row went to two people by accident;
- submit-to-next-batch: median, 95th percentile and worst, over every submit of every labeler.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from bench_labeling import table  # the same table as the one-labeler benchmark (beside this script)

from alcore.io.datasets import make_dataset
from alcore.labeling.session import LabelingSession, NextBatchError
from alcore.labeling.store import ProjectStore, StoreWriteError

CLASSES = ["low", "mid", "high"]


def labeler(location: str, project_id: int, name: str, seconds: float, rows: int, seed: int) -> dict:
    """One person: think, submit, wait for the next batch, for `seconds` from the moment the project is open."""
    _, truth = table(rows, 20, text=False)
    rng = np.random.default_rng(seed)
    session = LabelingSession.open(ProjectStore(location), project_id, labeler=name)
    until = time.time() + seconds
    waits, acknowledged, late, asked_again, refused = [], 0, 0, 0, 0
    while time.time() < until:
        view = session.current_batch()
        if not view.rows:
            break
        time.sleep(rng.uniform(0.5, 2.0))
        start = time.perf_counter()
        try:
            session.submit({row: truth[row] for row in view.rows}, name)
            saved = session.last_submitted
        except NextBatchError as error:  # saved; the next batch was refused: Save again, as the page says
            saved, refused = error.saved, refused + 1
        except StoreWriteError:  # nothing saved (a lock held too long): the person presses Save again
            refused += 1
            continue
        waits.append(time.perf_counter() - start)
        if saved.labeled or saved.late:  # a batch sent again after NextBatchError writes (and asks) nothing new
            asked_again += sum(reason.startswith("second opinion") for reason in view.row_reasons)
        acknowledged += len(saved.labeled) + len(saved.late)
        late += len(saved.late)
    session.close()
    return {"waits": waits, "acknowledged": acknowledged, "late": late, "asked_again": asked_again, "refused": refused}


def overlapping_open_rows(store: ProjectStore, project_id: int) -> int:
    """Rows that are in two open batches whose leases both run now (must stay 0)."""
    now = pd.Timestamp.now(tz="UTC")
    live = [
        batch.rows
        for batch in store.batches(project_id)
        if batch.status == "open" and batch.lease_until is not None and batch.lease_until > now
    ]
    seen = [row for rows in live for row in rows]
    return len(seen) - len(set(seen))


def run(options, location: str) -> dict:
    """One run on the store at `location` (a folder or a PostgreSQL URL): the figures of the docstring."""
    frame, _ = table(options.rows, 20, text=False)
    store = ProjectStore(location)
    project = LabelingSession.create(
        store,
        "team bench",
        make_dataset(frame, "label"),
        CLASSES,
        batch_size=options.batch_size,
        second_opinion_share=options.second_opinions,
        labeler="organizer",
    )
    project.close()
    children = [
        subprocess.Popen(
            [sys.executable, __file__, "--as-labeler", f"labeler {i + 1}", "--location", str(location)]
            + ["--project", str(project.project_id), "--seconds", str(options.seconds), "--rows", str(options.rows)]
            + ["--seed", str(i)],
            stdout=subprocess.PIPE,
            text=True,
        )
        for i in range(options.labelers)
    ]
    worst_overlap, looks = 0, 0
    while any(child.poll() is None for child in children):
        worst_overlap = max(worst_overlap, overlapping_open_rows(store, project.project_id))
        looks += 1
        time.sleep(0.5)
    results = [json.loads(child.communicate()[0]) for child in children]
    if any(child.returncode for child in children):
        raise SystemExit("a labeler process failed")

    events = store.events(project.project_id)
    given = events[events["kind"].isin(["label", "opinion"]) & (events["labeler"] != "organizer")]
    first_label = given.drop_duplicates("row")
    handed_out = {batch.id: batch.opened_after for batch in store.batches(project.project_id)}
    again = given[given["kind"].eq("label") & given.duplicated("row")]
    first_id = first_label.set_index("row")["event_id"]
    # A label over another one is deliberate when its batch was handed out after that label existed;
    # otherwise the row was in two people's hands at once and the answer should have been late.
    by_accident = int((again["row"].map(first_id) > again["batch_id"].map(handed_out)).sum())
    waits = sorted(wait for result in results for wait in result["waits"])
    asked_again, late, refused = (sum(result[key] for result in results) for key in ("asked_again", "late", "refused"))
    return {
        "labelers": options.labelers,
        "seconds": options.seconds,
        "submits": len(waits),
        "submitted": sum(result["acknowledged"] for result in results),
        "stored": len(given),
        "distinct_rows": len(first_label),
        "second_opinions": asked_again + late,
        "asked_again": asked_again,
        "late": late,
        "looks_at_open_batches": looks,
        "rows_in_two_open_batches": worst_overlap,
        "labeled_twice_by_accident": by_accident,
        "saves_refused": refused,
        "wait_median_s": statistics.median(waits),
        "wait_p95_s": waits[int(0.95 * (len(waits) - 1))],
        "wait_worst_s": waits[-1],
        "load_average": os.getloadavg()[0],
    }


def counts_hold(figures: dict) -> bool:
    """Nothing lost, nothing labeled twice by accident, no row in two live batches."""
    return (
        figures["submitted"] == figures["stored"]
        and figures["distinct_rows"] == figures["submitted"] - figures["second_opinions"]
        and figures["rows_in_two_open_batches"] == 0
        and figures["labeled_twice_by_accident"] == 0
    )


def sentence(database: str, figures: dict) -> str:
    return (
        f"{database}: {figures['labelers']} labelers, {figures['seconds']:.0f} s, {figures['submits']} submits: "
        f"{figures['submitted']:,} labels submitted, {figures['stored']:,} stored; "
        f"{figures['distinct_rows']:,} distinct rows = {figures['submitted']:,} - {figures['second_opinions']:,} "
        f"second opinions ({figures['asked_again']} asked again, {figures['late']} late); "
        f"rows in two open batches at once: {figures['rows_in_two_open_batches']} "
        f"and labeled twice by accident: {figures['labeled_twice_by_accident']} "
        f"(looked {figures['looks_at_open_batches']} times); saves refused (sent again): {figures['saves_refused']}; "
        "submit to next batch: "
        f"median {figures['wait_median_s']:.2f} s, p95 {figures['wait_p95_s']:.2f} s, "
        f"worst {figures['wait_worst_s']:.2f} s; load average {figures['load_average']:.1f}"
    )


@contextlib.contextmanager
def store_locations(databases: list[str], database_url: str | None):
    """{database: a function giving a fresh location for one run}: a new folder, or a new PostgreSQL schema."""
    with contextlib.ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        runs = itertools.count(1)
        makers = {"sqlite": lambda: folder / f"run-{next(runs)}"}
        if "postgresql" in databases:
            from tests.postgres import ThrowawayCluster, postgres_bin, schema_url

            if database_url is None:
                bin_dir = postgres_bin()
                if bin_dir is None:
                    raise SystemExit("PostgreSQL is not installed (apt-get install postgresql), and no --database-url")
                cluster = ThrowawayCluster(bin_dir).start()
                stack.callback(cluster.remove)
                database_url = cluster.url
            makers["postgresql"] = lambda: schema_url(database_url, f"bench_{os.getpid()}_{next(runs)}")
        yield {database: makers[database] for database in databases}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--labelers", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=180)
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--batch-size", type=int, default=10)
    parser.add_argument("--second-opinions", type=float, default=0.1, help="share of each batch asked again")
    parser.add_argument("--databases", default="sqlite", help="comma-separated: sqlite, postgresql")
    parser.add_argument("--database-url", help="a PostgreSQL server to use instead of a throwaway one")
    parser.add_argument("--runs", type=int, default=1, help="runs per database, interleaved")
    parser.add_argument("--as-labeler", help=argparse.SUPPRESS)
    parser.add_argument("--location", help=argparse.SUPPRESS)
    parser.add_argument("--project", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, default=0, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.as_labeler:
        result = labeler(
            options.location, options.project, options.as_labeler, options.seconds, options.rows, options.seed
        )
        print(json.dumps(result))
        return

    databases = [name.strip() for name in options.databases.split(",") if name.strip()]
    by_database: dict[str, list[dict]] = {database: [] for database in databases}
    with store_locations(databases, options.database_url) as fresh_location:
        for _ in range(options.runs):
            for database in databases:
                figures = run(options, str(fresh_location[database]()))
                by_database[database].append(figures)
                print(json.dumps({"database": database, **figures}), flush=True)
                print(sentence(database, figures), flush=True)
    print("\nmedian over runs (each run's own median and p95 of submit to next batch):")
    for database, runs in by_database.items():
        pairs = ", ".join(f"{figures['submitted']:,} = {figures['stored']:,}" for figures in runs)
        print(
            f"{database}: {len(runs)} runs; counts hold in {sum(map(counts_hold, runs))} of them (submitted = stored: "
            f"{pairs}); "
            f"saves refused {statistics.median(f['saves_refused'] for f in runs)}, "
            f"p50 {statistics.median(f['wait_median_s'] for f in runs):.2f} s, "
            f"p95 {statistics.median(f['wait_p95_s'] for f in runs):.2f} s, "
            f"load average {statistics.median(f['load_average'] for f in runs):.1f}"
        )
    if not all(counts_hold(figures) for runs in by_database.values() for figures in runs):
        raise SystemExit("FAILED: a label was lost or a row went to two people")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    main()
