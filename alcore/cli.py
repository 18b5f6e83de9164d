"""The `alcore` command: simulate strategies on a file or a demo, score a huge file, list what is available,
and say who may see and change a labeling project.

Bad input ends with the plain-words message of `DataError` and exit status 2,
never a traceback.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from pathlib import Path

from alcore.core.models import DEFAULT_MODEL, MODELS
from alcore.core.strategies import PLAIN_NAMES, REGISTRY, strategy_label
from alcore.experiment import defaults
from alcore.experiment.execution import ClusterUnavailable
from alcore.experiment.metrics import summarize
from alcore.experiment.report import describe_target, results_document, results_json, saving_figures
from alcore.experiment.simulation import budget_note, compare, initial_note
from alcore.formatting import format_money
from alcore.io.datasets import (
    DEMOS,
    DataError,
    Dataset,
    group_into_ranges,
    load_demo,
    make_dataset,
    read_table,
    simulation_arrays,
    simulation_note,
)
from alcore.io.label_column import guess_label_column
from alcore.io.tables import row_numbering_note
from alcore.labeling.members import ROLES
from alcore.labeling.store import ProjectStore, StoreError

DEMO_PREFIX = "demo:"


def load_for_cli(source: str, label_column: str | None, ranges: int | None = None) -> Dataset:
    """A dataset from a path or `demo:NAME`; a demo knows its own label column.

    ranges: group a label column of numbers into this many ranges of about equal size first.
    """
    if source.startswith(DEMO_PREFIX):
        name = source[len(DEMO_PREFIX) :]
        if name not in DEMOS:
            raise DataError(f"There is no demo called {name!r}. Run `alcore demos` to see the demos.")
        dataset = load_demo(name)
        if label_column and label_column != dataset.label_column:
            dataset = make_dataset(dataset.frame, label_column, name=dataset.name)
        return dataset
    path = Path(source)
    if not path.is_file():
        raise DataError(f"No file at {source}. Check the path, or use demo:NAME for a built-in demo.")
    frame = read_table(path)
    if not label_column:  # the dashboard's guess is offered, not taken: a command's figures rest on what it was told
        raise DataError(
            "Say which column holds the labels with --target COLUMN; the dashboard would guess "
            f"--target {shlex.quote(guess_label_column(frame))} for this table."
        )
    if ranges and label_column in frame.columns:
        frame[label_column] = group_into_ranges(frame[label_column], ranges)
    try:
        return make_dataset(frame, label_column, name=path.name)
    except DataError as error:
        if "number to predict" in str(error):
            raise DataError(f"{error} Add --ranges 4 (or another count) to group it into ranges.") from error
        raise


def _comma_list(text: str) -> list[str]:
    return [item.strip() for item in text.split(",") if item.strip()]


def _format_summary(summary, cost_per_label: float, currency: str) -> str:
    """The summary table in the same words as the headline and the dashboard (`saving_figures`), each strategy
    named as the pages name it (`strategy_label`: "Margin, one per cluster (diverse_margin)"), its code name, the
    one --strategies takes, in brackets."""
    columns = [
        ("verdict", "verdict"),
        ("labels_to_target", "labels to target"),
        ("random_needed", "random needed"),
        ("labels_saved", "saved vs random"),
        ("interval", "saved, 95% interval"),
        ("money_saved", "money saved"),
        ("p_value", "p (Holm)"),
        ("area", "area (95% interval)"),
    ]
    rows = [
        [strategy_label(row["strategy"])] + [figures[key] for key, _ in columns]
        for row in summary.to_dict(orient="records")
        for figures in [saving_figures(row, cost_per_label, currency)]
    ]
    header = ["strategy"] + [title for _, title in columns]
    widths = [max(len(line[i]) for line in [header, *rows]) + 2 for i in range(len(header))]
    lines = ["".join(cell.ljust(width) for cell, width in zip(line, widths)).rstrip() for line in [header, *rows]]
    return "\n".join([lines[0], "-" * len(lines[0]), *lines[1:]])


def _strategy_setting(text: str) -> tuple[str, str, object]:
    """STRATEGY.SETTING=VALUE -> (strategy, setting, value); the value is read as JSON when it can be (7, 0.5, true)."""
    name, equals, value = text.partition("=")
    strategy, dot, setting = name.partition(".")
    if not (equals and dot and strategy and setting):
        raise argparse.ArgumentTypeError(f"{text!r} is not STRATEGY.SETTING=VALUE, e.g. qbc_vote_entropy.n_members=7")
    try:
        return strategy, setting, json.loads(value)
    except json.JSONDecodeError:
        return strategy, setting, value


def run_simulate(args: argparse.Namespace) -> int:
    _check_settings(args)
    dataset = load_for_cli(args.data, args.target, args.ranges)
    for note in [row_numbering_note(dataset.frame), *dataset.notes, simulation_note(dataset)]:
        if note:
            print(f"alcore: note: {note}", file=sys.stderr)
    X, y = simulation_arrays(dataset, test_size=args.test_size)
    budget = defaults.budget_for(len(y), args.test_size) if args.budget is None else args.budget
    initial = defaults.initial_for(len(y), args.test_size) if args.initial is None else args.initial
    for note in [budget_note(budget, len(y), args.test_size), initial_note(initial, budget, len(y), args.test_size)]:
        if note:
            print(f"alcore: note: {note}", file=sys.stderr)
    unknown = [name for name in args.strategies if name not in REGISTRY]
    if unknown:
        raise DataError(f"Unknown strategy {', '.join(unknown)}. Run `alcore strategies` to see the list.")
    if args.model not in MODELS:
        raise DataError(f"Unknown model {args.model!r}. Choose one of: {', '.join(MODELS)}.")
    strategy_params: dict[str, dict] = {}
    for strategy, setting, value in args.setting:
        strategy_params.setdefault(strategy, {})[setting] = value
    print(
        f"{dataset.name}: {len(y):,} labeled rows, {len(set(y))} classes. Simulating "
        f"{', '.join(['random'] + [s for s in args.strategies if s != 'random'])} x {args.seeds} seeds...",
        file=sys.stderr,
    )
    try:
        comparison = compare(
            X,
            y,
            args.strategies,
            model=args.model,
            seeds=args.seeds,
            initial=initial,
            batch_size=args.batch_size,
            budget=budget,
            test_size=args.test_size,
            n_jobs=args.jobs,
            scheduler=args.scheduler,
            semi_supervised=args.semi_supervised,
            strategy_params=strategy_params,
        )
    except ClusterUnavailable as error:
        raise DataError(str(error)) from error
    except ValueError as error:  # a setting the strategy does not have, or one for a strategy not compared
        raise DataError(f"{error} Run `alcore strategies` to see each strategy's settings.") from error
    target, relative = (args.target_accuracy, False) if args.target_accuracy is not None else (args.target_share, True)
    summary = summarize(comparison, target, relative, args.cost_per_label)
    document = results_document(
        comparison,
        target,
        relative,
        args.cost_per_label,
        dataset=dataset.summary(),
        currency=args.currency,
        summary=summary,
    )
    cost = format_money(args.cost_per_label, args.currency)
    print(f"\nTarget: {describe_target(target, relative)}; cost per label {cost}\n")
    print(_format_summary(summary, args.cost_per_label, args.currency))
    print("\n" + document["headline"])
    if args.out:
        Path(args.out).write_text(results_json(document))
        print(f"\nResults written to {args.out}", file=sys.stderr)
    return 0


def _check_settings(args: argparse.Namespace) -> None:
    """Numbers that no simulation can run with, refused before the file is even read."""
    at_least_one = {
        "--seeds": args.seeds,
        "--batch-size": args.batch_size,
        "--budget": args.budget,
        "--jobs": args.jobs,
    }
    for option, value in at_least_one.items():
        if value is not None and value < 1:
            raise DataError(f"{option} must be 1 or more, not {value}.")
    if args.initial is not None and args.initial < 2:
        raise DataError(f"--initial must be 2 or more (a model needs two classes to start), not {args.initial}.")
    if args.ranges is not None and args.ranges < 2:
        raise DataError(f"--ranges must be 2 or more, not {args.ranges}.")


def run_score(args: argparse.Namespace) -> int:
    import joblib

    from alcore.io.chunked_scoring import score_parquet

    if not Path(args.model_file).is_file():
        raise DataError(f"No model file at {args.model_file}.")
    try:
        model = joblib.load(args.model_file)
    except Exception as error:  # a pickle can fail in many ways; all mean "not a model file"
        raise DataError(f"Could not load a model from {args.model_file}: {error}") from error
    picks = score_parquet(model, args.pool, args.strategy, args.batch_size, args.chunk_rows, args.columns)
    table = picks.to_frame()
    print(f"Scored {picks.n_rows:,} rows with {args.strategy}; the best {len(table):,}:", file=sys.stderr)
    if args.out:
        table.to_csv(args.out, index=False)
        print(f"Picks written to {args.out}", file=sys.stderr)
    else:
        print(table.to_csv(index=False), end="")
    return 0


def run_strategies(args: argparse.Namespace) -> int:
    width = max(map(len, REGISTRY)) + 2
    for name in sorted(REGISTRY):
        plain = PLAIN_NAMES.get(name)
        print(f"{name:<{width}}" + (f"{plain}: " if plain else "") + REGISTRY[name].description)
        settings = ", ".join(f"{key}={value!r}" for key, value in REGISTRY[name].defaults.items())
        if settings:
            print(f"{'':<{width}}settings: {settings}")
    return 0


def run_demos(args: argparse.Namespace) -> int:
    for name, demo in DEMOS.items():
        print(f"{name:<16}{demo.description}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="alcore", description="Active learning: label less, learn as much.")
    commands = parser.add_subparsers(dest="command", required=True)

    simulate = commands.add_parser(
        "simulate",
        help="compare query strategies against random on labeled data",
        description="Compare query strategies against random on labeled data. The defaults are the dashboard's.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    simulate.add_argument("data", help="a CSV, TSV, Excel, Parquet or JSON Lines file, or demo:NAME")
    simulate.add_argument("--target", help="the label column (a demo knows its own)")
    simulate.add_argument(
        "--strategies",
        type=_comma_list,
        default=list(defaults.STRATEGIES),
        help="comma-separated strategy names; random is always included",
    )
    simulate.add_argument(
        "--setting",
        type=_strategy_setting,
        action="append",
        default=[],
        metavar="STRATEGY.SETTING=VALUE",
        help="a strategy's setting, e.g. qbc_vote_entropy.n_members=7 (repeatable); recorded in the results",
    )
    simulate.add_argument("--model", default=DEFAULT_MODEL, help=f"one of {', '.join(MODELS)}")
    simulate.add_argument(
        "--initial",
        type=int,
        help=f"labeled rows to start from, at random (default: {defaults.INITIAL}, or on a smaller table a quarter of "
        "the rows a run can label, so that the strategies choose most of its labels)%(default).0s",
    )
    simulate.add_argument("--batch-size", type=int, default=defaults.BATCH_SIZE, help="rows labeled per round")
    simulate.add_argument(
        "--budget",
        type=int,
        # `%(default).0s` prints nothing: the words say the default, and argparse adds no "(default: None)"
        help=f"the most labels in total (default: {defaults.BUDGET}, or on a smaller table every row a run can "
        "label: those not held out for scoring)%(default).0s",
    )
    simulate.add_argument(
        "--seeds", type=int, default=defaults.SEEDS, help="repetitions with different splits (a verdict needs 6+)"
    )
    simulate.add_argument("--test-size", type=float, default=0.25, help="share of rows held out for scoring")
    simulate.add_argument(
        "--ranges", type=int, metavar="N", help="group a label column of numbers (an age, a price) into N ranges"
    )
    simulate.add_argument("--jobs", type=int, default=1, help="parallel worker processes")
    simulate.add_argument(
        "--semi-supervised",
        action="store_true",
        help="also run each strategy with a model that learns from the unlabeled rows too (self-training: the "
        "rows it is at least 90%% sure of, at most as many per class as the class has labels), "
        'as its own line "<strategy> + semi-supervised" compared with the same plain random',
    )
    simulate.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="run the simulations on a Dask cluster, e.g. tcp://host:8786 (needs alcore[dask] "
        "on this machine and the workers); --jobs is then ignored",
    )
    goal = simulate.add_mutually_exclusive_group()
    goal.add_argument("--target-accuracy", type=float, help="accuracy to reach, e.g. 0.9 (instead of a share)")
    goal.add_argument(
        "--target-share",
        type=float,
        default=defaults.TARGET_SHARE,
        help="share of the full-data accuracy to reach, as on the dashboard",
    )
    simulate.add_argument(
        "--cost-per-label", type=float, default=defaults.COST_PER_LABEL, help="money per label, for savings"
    )
    simulate.add_argument("--currency", default=defaults.CURRENCY, help="the money's symbol, as on the dashboard")
    simulate.add_argument("--out", help="write the results as JSON to this file")
    simulate.set_defaults(run=run_simulate)

    score = commands.add_parser(
        "score",
        help="pick the best batch from a Parquet file too big for memory, chunk by chunk",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    score.add_argument(
        "model_file",
        metavar="MODEL",
        help="a fitted model or pipeline saved with joblib (trusted files only: loading runs code)",
    )
    score.add_argument("pool", metavar="POOL", help="a Parquet file of unlabeled rows")
    score.add_argument("--strategy", default="margin", help="least_confidence, margin or entropy")
    score.add_argument("--batch-size", type=int, default=100, help="rows to pick")
    score.add_argument("--chunk-rows", type=int, default=200_000, help="rows read and scored at a time (memory)")
    score.add_argument(
        "--columns",
        type=_comma_list,
        help="comma-separated feature columns, in the model's order "
        "(default: the model's own, else every numeric column)",
    )
    score.add_argument(
        "--out",
        help="write the picks as CSV here instead of printing them: row (1 = the file's first row) and score",
    )
    score.set_defaults(run=run_score)

    members = commands.add_parser(
        "members",
        help="list who may see and change a labeling project, or give someone a role (with sign-in on)",
    )
    members.add_argument("project", help="the project's id (the number in its link, ?project=ID)")
    members.add_argument("person", nargs="?", help="their sign-in e-mail; leave out to list the members")
    members.add_argument("role", nargs="?", choices=ROLES, default="owner", help="default: owner")
    members.add_argument("--data-dir", help="the store's folder (default: $ALCORE_DATA_DIR, else ./alcore-data)")
    members.set_defaults(run=run_members)

    commands.add_parser("strategies", help="list the query strategies").set_defaults(run=run_strategies)
    commands.add_parser("demos", help="list the built-in demo datasets").set_defaults(run=run_demos)
    return parser


def run_members(args) -> int:
    """Give `person` `role` in the project (a project made before sign-in has no owner), then list its members."""
    try:
        store = ProjectStore(args.data_dir)
        if args.person:
            store.set_member(args.project, args.person, args.role)
        for person, role in store.members(args.project).items():
            print(f"{person}\t{role}")
    except (StoreError, ValueError) as error:
        raise DataError(str(error)) from error
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except DataError as error:
        print(f"alcore: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("alcore: stopped.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
