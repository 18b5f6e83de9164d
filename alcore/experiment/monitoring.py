"""Watching a comparison: what each strategy asked about, and what each round bought.

Pure functions of what a `Comparison` holds; the Explore page draws the frames they return.
"batch" here is the round the rows were labeled in.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from alcore.core.selection import class_list, class_shares, selection_mix


def comparison_selection_mix(batches: pd.DataFrame, y: Sequence, classes: Sequence | None = None) -> pd.DataFrame:
    """Per strategy and round, the class mix of the picks against the true class mix of the data.

    batches: `Comparison.batches` [strategy, seed, round, row, label, score];
    the picks of all seeds are pooled. y: the labels of every row of the
    compared data; its mix stands in for the pool's (each seed's pool is a
    stratified split of it). A simulation keeps no per-round predictions, so
    the reference here is the true mix, not a predicted one.
    Returns DataFrame[strategy, batch, class, given, given_share, pool_share].
    """
    classes = class_list(classes, y)
    pool_share = class_shares(y, classes).to_numpy()
    parts = []
    for strategy, picks in batches.groupby("strategy", sort=False):
        mix = selection_mix(picks.rename(columns={"round": "batch"}), classes=classes)
        mix = mix.drop(columns="predicted_share").assign(pool_share=np.tile(pool_share, mix["batch"].nunique()))
        parts.append(mix.assign(strategy=strategy))
    columns = ["strategy", "batch", "class", "given", "given_share", "pool_share"]
    return pd.concat(parts, ignore_index=True)[columns] if parts else pd.DataFrame(columns=columns)


def comparison_pick_scores(batches: pd.DataFrame) -> pd.DataFrame:
    """`Comparison.batches` as DataFrame[strategy, seed, batch, row, score] (batch = round)."""
    return batches.rename(columns={"round": "batch"})[["strategy", "seed", "batch", "row", "score"]]


def strategy_gains(curves: pd.DataFrame, cost_per_label: float = 1.0, metric: str = "accuracy") -> pd.DataFrame:
    """Per strategy and round of a Comparison, the mean gain over seeds and the cost per point.

    curves: `Comparison.curves`. Returns DataFrame[strategy, round, n_labeled,
    batch_size, gain_points, cost, cost_per_point, n_seeds]; n_labeled,
    batch_size, gain_points and cost are means over seeds; cost_per_point is the ratio of the
    means (a seed that gained almost nothing would blow up a mean of ratios).
    """
    ordered = curves.sort_values(["strategy", "seed", "round"])
    by_run = ordered.groupby(["strategy", "seed"], sort=False)
    steps = ordered.assign(batch_size=by_run["n_labeled"].diff(), gain_points=by_run[metric].diff() * 100)
    steps = steps.dropna(subset=["gain_points"])
    means = (
        steps.groupby(["strategy", "round"], sort=False)
        .agg(
            n_labeled=("n_labeled", "mean"),
            batch_size=("batch_size", "mean"),
            gain_points=("gain_points", "mean"),
            n_seeds=("seed", "nunique"),
        )
        .reset_index()
    )
    means["cost"] = means["batch_size"] * cost_per_label
    means["cost_per_point"] = (means["cost"] / means["gain_points"]).where(means["gain_points"] > 0)
    order = list(dict.fromkeys(curves["strategy"]))
    means["rank"] = means["strategy"].map(order.index)
    means = means.sort_values(["rank", "round"]).drop(columns="rank").reset_index(drop=True)
    return means[["strategy", "round", "n_labeled", "batch_size", "gain_points", "cost", "cost_per_point", "n_seeds"]]
