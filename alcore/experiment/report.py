"""Words and files for people: the stakeholder headline and the results document.

The command line and the dashboard both use these, so the sentence a
stakeholder reads and the JSON an engineer downloads are the same everywhere.
"""

from __future__ import annotations

import json
import math

import pandas as pd

from alcore.experiment.metrics import REFERENCE, summarize
from alcore.formatting import format_count, format_money
from alcore.jsonable import plain, records


def describe_target(target: float, relative: bool, metric: str = "accuracy") -> str:
    """'90% accuracy' or '95% of the full-data accuracy'."""
    name = metric.replace("_", " ")
    return f"{target:.0%} of the full-data {name}" if relative else f"{target:.0%} {name}"


def best_strategy(summary: pd.DataFrame) -> pd.Series | None:
    """The non-random strategy that saved most labels, or else had the largest area."""
    others = summary[summary["strategy"] != REFERENCE]
    if others.empty:
        return None
    ranked = others.sort_values(["labels_saved", "auc_mean"], ascending=False, na_position="last")
    return ranked.iloc[0]


def headline(
    summary: pd.DataFrame,
    target: float,
    relative: bool = False,
    cost_per_label: float = 1.0,
    currency: str = "$",
    metric: str = "accuracy",
) -> str:
    """The plain-words result for stakeholders, honest when nothing beats random."""
    best = best_strategy(summary)
    if best is None:
        return "Only random picking was run, so there is nothing to compare it with."
    goal = describe_target(target, relative, metric)
    random_row = summary.set_index("strategy").loc[REFERENCE]
    name = best["strategy"]
    if not best["beats_random"]:
        return (
            f"No strategy clearly beat random picking on this data. The best, {name}, had a mean "
            f"{metric.replace('_', ' ')} over the labeling range of {best['auc_mean']:.3f} against "
            f"{random_row['auc_mean']:.3f} for random (paired test p = {best['p_value']:.2f}). "
            "Here, active learning would not reliably save labels."
        )
    if math.isnan(best["labels_to_target"]):
        return (
            f"{name} learned faster than random (mean {metric.replace('_', ' ')} over the labeling range "
            f"{best['auc_mean']:.3f} vs {random_row['auc_mean']:.3f}, p = {best['p_value']:.3f}), but neither "
            f"reached {goal} within the budget."
        )
    at_least = "at least " if best["saved_at_least"] else ""
    random_text = f"random needed {at_least}{format_count(best['random_labels_to_target'])}"
    if best["saved_at_least"]:
        random_text = f"random had not reached it after {format_count(best['random_labels_to_target'])}"
    saved = best["labels_saved"]
    sentence = (
        f"{name} reached {goal} with {format_count(best['labels_to_target'])} labels; {random_text}. "
        f"That is {at_least}{best['labels_saved_ratio']:.0%} fewer labels, "
        f"{format_money(saved * cost_per_label, currency)} saved at {format_money(cost_per_label, currency)} per label"
    )
    if best["labels_saved_low"] != best["labels_saved_high"]:
        sentence += (
            f" (95% interval: {format_count(best['labels_saved_low'])} to "
            f"{format_count(best['labels_saved_high'])} labels saved)"
        )
    seeds = f"{best['seeds_reaching_target']} of {best['n_seeds']} seeds"
    return sentence + f". Measured over {seeds}; paired test against random p = {best['p_value']:.3f}."


def results_document(
    comparison,
    target: float = 0.9,
    relative: bool = False,
    cost_per_label: float = 1.0,
    dataset: dict | None = None,
    metric: str = "accuracy",
    currency: str = "$",
) -> dict:
    """Everything a comparison found, as one JSON-ready dict (what `alcore simulate --out` writes)."""
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
