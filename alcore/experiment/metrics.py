"""Honest numbers from a comparison: curves with intervals, areas, labels to target, savings.

Every function takes the `curves` frame of `alcore.experiment.simulation.Comparison` (one row
per strategy, seed and round) and returns a small frame a page or the
command line can show as it is. Intervals are 95% Student-t intervals over
seeds; the verdict against random (paired by seed, censored misses, Holm)
is `alcore.experiment.verdict`'s.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from alcore.experiment import verdict

REFERENCE = "random"


SCORE_BOUNDS = (0.0, 1.0)
"""Accuracy, balanced accuracy, F1 and their areas cannot leave [0, 1]; neither may their intervals."""


def t_interval(values, bounds: tuple[float, float] | None = None) -> tuple[float, float, float]:
    """Mean and 95% Student-t interval of `values` (NaN or None dropped); a single value has no interval (NaN).

    bounds: where the quantity itself cannot go (a t-interval over few seeds
    can pass 100% accuracy); the interval is cut there.
    """
    mean, low, high = t_intervals(np.asarray(values, dtype=float).reshape(-1, 1), bounds)
    return (float(mean[0]), float(low[0]), float(high[0]))


def t_intervals(values: np.ndarray, bounds: tuple[float, float] | None = None) -> tuple[np.ndarray, ...]:
    """`t_interval` of each column of values: (n_values, n_columns) -> (mean, low, high), each (n_columns,).

    One call for a whole learning curve: a call per point (scipy's t quantile each time) took most of
    `curve_bands`' time on 18 runs of 19 rounds.
    """
    present = ~np.isnan(values)
    count = present.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(present, values, 0.0).sum(axis=0) / count
        spread = np.where(present, values - mean, 0.0)
        std = np.sqrt((spread**2).sum(axis=0) / (count - 1))
        half = stats.t.ppf(0.975, np.maximum(count - 1, 1)) * std / np.sqrt(count)
    half = np.where(count > 1, half, np.nan)
    low, high = mean - half, mean + half
    if bounds is not None:
        low, high = np.maximum(low, bounds[0]), np.minimum(high, bounds[1])  # NaN stays NaN
    return mean, low, high


def _on_common_grid(curves: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Scores of every run on one grid of labeled counts: (strategy, seed) x n_labeled.

    A run that stopped early keeps its last model, so its last score is
    carried forward; this lets runs of unequal length be averaged and paired.
    """
    wide = curves.pivot_table(index=["strategy", "seed"], columns="n_labeled", values=metric)
    return wide.T.sort_index().ffill().bfill().T


MIN_SEEDS_FOR_BAND = 3
"""Fewer seeds give a learning curve no band: with 2, the t-interval is the mean ± 9 standard
deviations of the two scores, a band that fills the chart and says nothing."""


def curve_bands(curves: pd.DataFrame, metric: str = "accuracy") -> pd.DataFrame:
    """Mean curve and 95% band per strategy: [strategy, n_labeled, mean, low, high, n_seeds].

    low and high are NaN for a strategy run on fewer than MIN_SEEDS_FOR_BAND seeds.
    """
    grid = _on_common_grid(curves, metric)
    columns = ["strategy", "n_labeled", "mean", "low", "high", "n_seeds"]
    parts = []
    for strategy, block in grid.groupby(level="strategy"):
        mean, low, high = t_intervals(block.to_numpy(dtype=float), SCORE_BOUNDS)
        if len(block) < MIN_SEEDS_FOR_BAND:
            low = high = np.full(len(mean), np.nan)
        counts = block.columns.to_numpy(dtype=int)
        parts.append(
            pd.DataFrame(
                {
                    "strategy": strategy,
                    "n_labeled": counts,
                    "mean": mean,
                    "low": low,
                    "high": high,
                    "n_seeds": len(block),
                }
            )
        )
    return pd.concat(parts, ignore_index=True)[columns] if parts else pd.DataFrame(columns=columns)


def area_under_curve(curves: pd.DataFrame, metric: str = "accuracy") -> pd.DataFrame:
    """Area under each run's curve over the labeled range, divided by its width: [strategy, seed, auc].

    The result is the curve's mean score over the range, in [0, 1] for
    scores in [0, 1], and comparable between strategies run on one grid.
    """
    grid = _on_common_grid(curves, metric)
    counts = grid.columns.to_numpy(dtype=float)
    width = counts[-1] - counts[0]
    values = grid.to_numpy()
    if width == 0:
        areas = values[:, 0]
    else:
        areas = np.trapezoid(values, counts, axis=1) / width
    return pd.DataFrame(
        {"strategy": grid.index.get_level_values("strategy"), "seed": grid.index.get_level_values("seed"), "auc": areas}
    )


def labels_to_target(curves: pd.DataFrame, target: float | dict, metric: str = "accuracy") -> pd.DataFrame:
    """Labels each run needed to first reach the target: [strategy, seed, labels] (NaN: never).

    target: one score for every seed, or {seed: score} (a share of each
    seed's full-data score).
    """
    goal = curves["seed"].map(target) if isinstance(target, dict) else target
    # The fewest labels among the rounds at or above the goal (NaN for a run with none), in one pass over the
    # frame rather than a loop over runs, which took half of `summarize` on 18 runs (pyinstrument).
    reached = curves["n_labeled"].where(curves[metric] >= goal).astype(float)
    first = reached.groupby([curves["strategy"], curves["seed"]]).min()
    return first.rename("labels").reset_index()[["strategy", "seed", "labels"]]


def target_scores(target: float, relative: bool, full_scores: dict[int, float]) -> float | dict:
    """The absolute target per seed: `target` itself, or `target` x each seed's full-data score."""
    if not relative:
        return target
    return {seed: target * score for seed, score in full_scores.items()}


def summarize(
    comparison, target: float = 0.9, relative: bool = False, cost_per_label: float = 1.0, metric: str = "accuracy"
) -> pd.DataFrame:
    """One row per strategy: every figure a page, the command line or a file shows, and the verdict.

    Labels to target are means over *all* seeds, a run that never reached the
    target counted at its budget and the figure then marked "at_least";
    labels saved is the mean paired saving (random's labels minus the
    strategy's, seed by seed), so it equals the difference of the two means
    shown beside it, and is marked "at_least", "at_most" or "unknown" when
    censoring leaves it open (see `alcore.experiment.verdict`). The area under
    the curve is descriptive only: the verdict rests on labels to target.
    """
    curves = comparison.curves
    areas = area_under_curve(curves, metric).pivot(index="seed", columns="strategy", values="auc")
    goal = target_scores(target, relative, comparison.full_scores)
    needed = labels_to_target(curves, goal, metric).pivot(index="seed", columns="strategy", values="labels")
    budgets = curves.pivot_table(index="seed", columns="strategy", values="n_labeled", aggfunc="max")
    starts = curves.pivot_table(index="seed", columns="strategy", values="n_labeled", aggfunc="min")
    n_compared = sum(1 for strategy in comparison.strategies if strategy != REFERENCE)
    rows = [
        _strategy_row(strategy, areas, needed, budgets, starts, cost_per_label) for strategy in comparison.strategies
    ]
    _apply_holm(rows, n_compared)
    return pd.DataFrame(rows)


def _labels_figure(needed: pd.Series, budget: pd.Series) -> tuple[float, str, int]:
    """Mean labels to target over seeds (a miss at its budget), its kind, and seeds that reached it."""
    reached = needed.notna()
    values = needed.where(reached, budget).to_numpy(dtype=float)
    low = values
    high = np.where(reached, values, np.inf)
    mean, kind = verdict.mean_with_kind(values, low, high)
    return round(mean, 1), kind, int(reached.sum())


def _strategy_row(strategy, areas, needed, budgets, starts, cost_per_label) -> dict:
    auc_mean, auc_low, auc_high = t_interval(areas[strategy], SCORE_BOUNDS)
    labels, labels_kind, reached = _labels_figure(needed[strategy], budgets[strategy])
    random_labels, random_kind, random_reached = _labels_figure(needed[REFERENCE], budgets[REFERENCE])
    row = {
        "strategy": strategy,
        "verdict": "reference",
        "auc_mean": auc_mean,
        "auc_low": auc_low,
        "auc_high": auc_high,
        "labels_to_target": labels,
        "labels_to_target_kind": labels_kind,
        "seeds_reaching_target": reached,
        "n_seeds": len(needed),
        "random_labels_to_target": random_labels,
        "random_labels_to_target_kind": random_kind,
        "random_seeds_reaching_target": random_reached,
        "labels_saved": np.nan,
        "labels_saved_kind": "unknown",
        "labels_saved_low": np.nan,
        "labels_saved_high": np.nan,
        "labels_saved_ratio": np.nan,
        "money_saved": np.nan,
        "money_saved_low": np.nan,
        "money_saved_high": np.nan,
        "informative_seeds": 0,
        "p_value_raw": np.nan,
        "p_value": np.nan,
        "p_random_better_raw": np.nan,
        "p_random_better": np.nan,
        "reached_at_start": False,
        "beats_random": False,
    }
    if strategy == REFERENCE:
        return row
    value, low, high = verdict.paired_saving_bounds(
        needed[strategy], budgets[strategy], needed[REFERENCE], budgets[REFERENCE]
    )
    _, saved_kind = verdict.mean_with_kind(value, low, high)
    # The mean paired saving is the difference of the two means; taken from the rounded
    # means (0.1 label), the figures shown add up exactly, money included.
    saved = round(random_labels - labels, 1)
    # A t-interval over censored savings would look precise and be wrong: none is given then.
    _, saved_low, saved_high = t_interval(value) if (low == high).all() else (np.nan, np.nan, np.nan)
    p_better, p_worse, informative = verdict.one_sided_p_values(low, high)
    row.update(
        labels_saved=saved,
        labels_saved_kind=saved_kind,
        labels_saved_low=saved_low,
        labels_saved_high=saved_high,
        labels_saved_ratio=saved / random_labels if random_labels else np.nan,
        money_saved=saved * cost_per_label,
        money_saved_low=saved_low * cost_per_label,
        money_saved_high=saved_high * cost_per_label,
        informative_seeds=informative,
        # NaN (never reached) compares False: a run that missed the target did not reach it at its start.
        reached_at_start=bool(
            ((needed[strategy] <= starts[strategy]) & (needed[REFERENCE] <= starts[REFERENCE])).all()
        ),
        p_value_raw=p_better,
        p_random_better_raw=p_worse,
    )
    return row


def _apply_holm(rows: list[dict], n_compared: int) -> None:
    """Holm-adjust both claims across the strategies compared with random, then decide each verdict."""
    compared = [row for row in rows if row["strategy"] != REFERENCE]
    better = verdict.holm({row["strategy"]: row["p_value_raw"] for row in compared})
    worse = verdict.holm({row["strategy"]: row["p_random_better_raw"] for row in compared})
    for row in compared:
        row["p_value"], row["p_random_better"] = better[row["strategy"]], worse[row["strategy"]]
        row["verdict"] = verdict.decide(
            row["labels_saved"],
            row["labels_saved_kind"],
            row["p_value"],
            row["p_random_better"],
            row["informative_seeds"],
            n_compared,
            row["reached_at_start"],
        )
        row["beats_random"] = row["verdict"] in verdict.WINNING
