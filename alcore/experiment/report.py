"""Words and files for people: the stakeholder headline and the results document.

The command line and the dashboard both use these, so the sentence a
stakeholder reads and the JSON an engineer downloads are the same everywhere.
"""

from __future__ import annotations

import json
import math
from functools import partial

import pandas as pd

from alcore.core.strategies import strategy_label
from alcore.experiment.metrics import REFERENCE, summarize
from alcore.experiment.verdict import VERDICTS, WINNING, lead, seeds_needed
from alcore.formatting import format_count, format_money, format_p_value
from alcore.jsonable import plain, records


def describe_target(target: float, relative: bool, metric: str = "accuracy") -> str:
    """'90% accuracy' or '95% of the full-data accuracy'."""
    name = metric.replace("_", " ")
    return f"{target:.0%} of the full-data {name}" if relative else f"{target:.0%} {name}"


def labels_text(value: float, kind: str, reached: int, n_seeds: int) -> str:
    """'30 labels (6 of 6 seeds reached)' or 'at least 964 labels (4 of 6 seeds reached)': labels to target."""
    prefix = "at least " if kind == "at_least" else ""
    return f"{prefix}{format_labels(value)} labels ({reached} of {n_seeds} seeds reached)"


def format_labels(value: float) -> str:
    """A mean count of labels: "22" when whole, "21.7" when not (means over seeds are shown to 0.1)."""
    return format_count(value) if float(value).is_integer() else f"{value:,.1f}"


def _bounded(value: float, write, kind: str, extra: str) -> str:
    """A saving `value`, written by `write`, with what is known of it (`kind`: exact, at_least, at_most, unknown).

    A bound on a loss is written as the extra it costs: "at most -45" (a strategy that never reached the
    target where random did) read as a riddle to the people deciding on it, so it is "at least 45 more labels
    needed", and "at least -10" is "at most 10 more labels needed". extra: what the loss is ("more labels needed").
    """
    if kind == "unknown":
        return "unknown"
    if kind in ("at_least", "at_most") and value < 0:
        flipped = "at most" if kind == "at_least" else "at least"
        return f"{flipped} {write(-value)} {extra}"
    return {"at_least": f"at least {write(value)}", "at_most": f"at most {write(value)}"}.get(kind, write(value))


def saving_figures(row, cost_per_label: float = 1.0, currency: str = "$") -> dict[str, str]:
    """Every figure of one summary row written for people; the headline, table, chart and CLI all use these.

    row: one row of `summarize` (a dict or Series). Keys: verdict, labels_to_target,
    random_needed, labels_saved, fewer_labels, money_saved, interval, p_value, area.
    """
    n = row["n_seeds"]
    compared = row["verdict"] != "reference"
    money = partial(format_money, currency=currency)
    kind = row["labels_saved_kind"]
    figures = {
        "verdict": VERDICTS[row["verdict"]],
        "labels_to_target": labels_text(
            row["labels_to_target"], row["labels_to_target_kind"], row["seeds_reaching_target"], n
        ),
        "random_needed": labels_text(
            row["random_labels_to_target"], row["random_labels_to_target_kind"], row["random_seeds_reaching_target"], n
        ),
        "labels_saved": _bounded(row["labels_saved"], format_labels, kind, "more labels needed") if compared else "—",
        "fewer_labels": _bounded(row["labels_saved_ratio"], "{:.0%}".format, kind, "more labels")
        if compared and not math.isnan(row["labels_saved_ratio"])
        else "—",
        "money_saved": _bounded(row["labels_saved"] * cost_per_label, money, kind, "more spent") if compared else "—",
        "interval": _interval_text(row) if compared else "—",
        "p_value": format_p_value(row["p_value"]),
        "area": _area_text(row),
    }
    return figures


def _no_interval_reason(row) -> str | None:
    """Why a saving has no 95% interval (None when it has one)."""
    if not math.isnan(row["labels_saved_low"]):
        return None
    return "one seed" if row["n_seeds"] < 2 else "a run missed the target"


def _interval_text(row) -> str:
    """'12 to 28' (labels saved, 95%), or 'none (why)': a claim of savings always says which."""
    reason = _no_interval_reason(row)
    if reason:
        return f"none ({reason})"
    return f"{format_count(row['labels_saved_low'])} to {format_count(row['labels_saved_high'])}"


def _interval_words(row) -> str:
    """The headline's words for the saving's interval, or for why there is none."""
    reason = _no_interval_reason(row)
    return f"no 95% interval: {reason}" if reason else f"95% interval: {_interval_text(row)} labels saved"


def _area_text(row) -> str:
    if math.isnan(row["auc_low"]):
        return f"{row['auc_mean']:.3f} (one seed: no interval)"
    return f"{row['auc_mean']:.3f} ({row['auc_low']:.3f}–{row['auc_high']:.3f})"


def headline(
    summary: pd.DataFrame,
    target: float,
    relative: bool = False,
    cost_per_label: float = 1.0,
    currency: str = "$",
    metric: str = "accuracy",
) -> str:
    """The plain-words result for stakeholders: one true sentence for each verdict (see `verdict.VERDICTS`)."""
    rows = summary.to_dict(orient="records")
    key, row = lead(rows)
    if row is None:
        return "Only random picking was run, so there is nothing to compare it with."
    goal = describe_target(target, relative, metric)
    figures = saving_figures(row, cost_per_label, currency)
    name, n = row["strategy"], row["n_seeds"]
    label = strategy_label(name)  # the first time a sentence names a strategy, its plain name too
    seeds = f"{row['informative_seeds']} seeds where either reached the target"
    test = f"paired test against random over {seeds}, Holm-adjusted p = {figures['p_value']}"
    # A sentence that has not named the strategy yet names it here, plain name first.
    named_later = key in WINNING or key == "random_better"
    needed = (
        f"to reach {goal}, {name if named_later else label} needed on average {figures['labels_to_target']}; "
        f"random needed {figures['random_needed']}"
    )
    first = needed[0].upper() + needed[1:]
    if key in WINNING:
        sentence = f"{label} beat random picking. {first}. "
        if row["labels_saved_kind"] == "unknown":
            sentence += "On some seeds neither reached the target, so the saving in labels is unknown"
        else:
            sentence += (
                f"That is {figures['labels_saved']} fewer labels ({figures['fewer_labels']}), "
                f"{figures['money_saved']} saved at {format_money(cost_per_label, currency)} per label"
            )
        if row["labels_saved_kind"] != "unknown":
            sentence += f" ({_interval_words(row)})"
        return sentence + f"; {test}."
    if key == "random_better":
        p_worse = format_p_value(row["p_random_better"])
        return (
            f"Random picking was better than {label}. {first}. Active learning with {name} would cost labels "
            f"(labels saved: {figures['labels_saved']}; {_interval_words(row)}); paired test over {seeds}, "
            f"Holm-adjusted p = {p_worse}."
        )
    if key == "too_few_seeds":
        m = int((summary["strategy"] != REFERENCE).sum())
        # A seed where neither run reached the target says nothing, so more seeds alone may not do (Ecdat's
        # breaches, budget 200: 1 of 3 seeds informative, and "Run at least 6 seeds" would likely give 2 of 6).
        uninformative = n - row["informative_seeds"]
        misses = (
            f" On {uninformative} of the {n} seeds neither {name} nor random reached {goal} within the budget, and "
            "such a seed says nothing: a larger budget helps as much as more seeds."
            if uninformative
            else ""
        )
        return (
            f"Too few seeds to tell: with {row['informative_seeds']} of {n} seeds informative and {m} "
            f"{'strategy' if m == 1 else 'strategies'} compared with random, even a strategy better on every seed "
            f"could not be told apart from chance. Run at least {seeds_needed(m)} seeds. So far, {needed}.{misses}"
        )
    if key == "reached_at_start":
        return (
            f"Every run, random's and each strategy's, reached {goal} with the "
            f"{format_labels(row['labels_to_target'])} labels it started from, before any strategy chose a row, so "
            "this target cannot tell the strategies apart. "
            "Raise the target: the learning curves show how high the runs went."
        )
    if key == "nobody_reached":
        return (
            f"Neither random nor any strategy reached {goal} within the budget on any of the {n} seeds, so no saving "
            "can be measured. Raise the budget or lower the target."
        )
    return (
        f"No clear difference from random picking. {first} ({name} came closest to a saving); {test}. "
        "Here, active learning would not reliably save labels."
    )


def results_document(
    comparison,
    target: float = 0.9,
    relative: bool = False,
    cost_per_label: float = 1.0,
    dataset: dict | None = None,
    metric: str = "accuracy",
    currency: str = "$",
    summary: pd.DataFrame | None = None,
) -> dict:
    """Everything a comparison found, as one JSON-ready dict (what `alcore simulate --out` writes).

    summary: `summarize(comparison, target, relative, cost_per_label, metric)`, when the caller has it already
    because it shows it too (the command line's table, the page's table and charts): the summary of a 50,000-row
    comparison takes a tenth of a second, and a second copy of it would be computed for the same figures.
    """
    if summary is None:
        summary = summarize(comparison, target, relative, cost_per_label, metric)
    settings = dict(
        comparison.settings, target=target, target_is_relative=relative, cost_per_label=cost_per_label, metric=metric
    )
    return {
        "settings": settings,
        "dataset": dataset or {},
        "headline": headline(summary, target, relative, cost_per_label, currency, metric),
        "summary": records(summary),
        "full_data_accuracy": {str(seed): plain(score) for seed, score in comparison.full_scores.items()},
        "stop_reasons": records(comparison.stop_reasons),
        "curves": records(comparison.curves),
    }


def results_json(document: dict) -> str:
    """The results document as the text of `alcore simulate --out` and the page's download."""
    return json.dumps(document, indent=2, default=str)


def summary_csv(document: dict) -> str:
    """The results document's summary as CSV: the same numbers as the JSON, one row per strategy."""
    return pd.DataFrame(document["summary"]).to_csv(index=False)
