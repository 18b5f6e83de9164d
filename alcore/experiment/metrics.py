"""Honest numbers from a comparison: curves with intervals, areas, labels to target, savings.

Every function takes the `curves` frame of `alcore.experiment.simulation.Comparison` (one row
per strategy, seed and round) and returns a small frame a page or the
command line can show as it is. Intervals are 95% Student-t intervals over
seeds; the test against random is paired by seed (same test split, same
initial labels), one-sided: "does this strategy beat random?".
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

REFERENCE = "random"


SCORE_BOUNDS = (0.0, 1.0)
"""Accuracy, balanced accuracy, F1 and their areas cannot leave [0, 1]; neither may their intervals."""


def t_interval(values, bounds: tuple[float, float] | None = None) -> tuple[float, float, float]:
    """Mean and 95% Student-t interval of `values` (NaNs dropped); a single value has no width.

    bounds: where the quantity itself cannot go (a t-interval over few seeds
    can pass 100% accuracy); the interval is cut there.
    """
    values = np.asarray(values, dtype=float)
    values = values[~np.isnan(values)]
    if len(values) == 0:
        return (np.nan, np.nan, np.nan)
    mean = float(values.mean())
    if len(values) == 1:
        return (mean, mean, mean)
    half = stats.t.ppf(0.975, len(values) - 1) * values.std(ddof=1) / np.sqrt(len(values))
    low, high = mean - half, mean + half
    if bounds is not None:
        low, high = max(low, bounds[0]), min(high, bounds[1])
    return (mean, float(low), float(high))


def _on_common_grid(curves: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Scores of every run on one grid of labeled counts: (strategy, seed) x n_labeled.

    A run that stopped early keeps its last model, so its last score is
    carried forward; this lets runs of unequal length be averaged and paired.
    """
    wide = curves.pivot_table(index=["strategy", "seed"], columns="n_labeled", values=metric)
    return wide.T.sort_index().ffill().bfill().T


def curve_bands(curves: pd.DataFrame, metric: str = "accuracy") -> pd.DataFrame:
    """Mean curve and 95% band per strategy: [strategy, n_labeled, mean, low, high, n_seeds]."""
    grid = _on_common_grid(curves, metric)
    rows = []
    for strategy, block in grid.groupby(level="strategy", sort=False):
        for n_labeled in block.columns:
            mean, low, high = t_interval(block[n_labeled], SCORE_BOUNDS)
            rows.append(
                {
                    "strategy": strategy,
                    "n_labeled": int(n_labeled),
                    "mean": mean,
                    "low": low,
                    "high": high,
                    "n_seeds": len(block),
                }
            )
    return pd.DataFrame(rows, columns=["strategy", "n_labeled", "mean", "low", "high", "n_seeds"])


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
    rows = []
    for (strategy, seed), run in curves.sort_values("n_labeled").groupby(["strategy", "seed"], sort=False):
        goal = target[seed] if isinstance(target, dict) else target
        reached = run.loc[run[metric] >= goal, "n_labeled"]
        rows.append({"strategy": strategy, "seed": seed, "labels": float(reached.iloc[0]) if len(reached) else np.nan})
    return pd.DataFrame(rows, columns=["strategy", "seed", "labels"])


def target_scores(target: float, relative: bool, full_scores: dict[int, float]) -> float | dict:
    """The absolute target per seed: `target` itself, or `target` x each seed's full-data score."""
    if not relative:
        return target
    return {seed: target * score for seed, score in full_scores.items()}


def paired_p_value(strategy_auc: np.ndarray, random_auc: np.ndarray) -> float:
    """One-sided Wilcoxon signed-rank p-value that the strategy's per-seed area beats random's."""
    differences = np.asarray(strategy_auc) - np.asarray(random_auc)
    if len(differences) == 0 or np.allclose(differences, 0):
        return 1.0
    return float(stats.wilcoxon(differences, alternative="greater").pvalue)


def summarize(
    comparison, target: float = 0.9, relative: bool = False, cost_per_label: float = 1.0, metric: str = "accuracy"
) -> pd.DataFrame:
    """One row per strategy: area with interval, labels to target, savings against random, p-value.

    labels_saved compares the seeds where both the strategy and random reached
    the target; a strategy that reaches it while random never does within the
    budget saves *at least* the difference to the budget (`saved_at_least`).
    """
    curves = comparison.curves
    areas = area_under_curve(curves, metric).pivot(index="seed", columns="strategy", values="auc")
    goal = target_scores(target, relative, comparison.full_scores)
    needed = labels_to_target(curves, goal, metric).pivot(index="seed", columns="strategy", values="labels")
    most_labels = curves.groupby("seed")["n_labeled"].max()
    random_needed = needed[REFERENCE]
    rows = []
    for strategy in comparison.strategies:
        auc_mean, auc_low, auc_high = t_interval(areas[strategy], SCORE_BOUNDS)
        reached = needed[strategy].notna()
        random_or_budget = random_needed.fillna(most_labels)
        saved = (random_or_budget - needed[strategy])[reached]
        saved_mean, saved_low, saved_high = t_interval(saved)
        random_mean = float(random_or_budget[reached].mean()) if reached.any() else np.nan
        is_reference = strategy == REFERENCE
        p_value = np.nan if is_reference else paired_p_value(areas[strategy], areas[REFERENCE])
        rows.append(
            {
                "strategy": strategy,
                "auc_mean": auc_mean,
                "auc_low": auc_low,
                "auc_high": auc_high,
                "labels_to_target": float(needed[strategy].mean()) if reached.any() else np.nan,
                "seeds_reaching_target": int(reached.sum()),
                "n_seeds": len(reached),
                "random_labels_to_target": random_mean,
                "saved_at_least": bool(reached.any() and random_needed[reached].isna().any()),
                "labels_saved": saved_mean,
                "labels_saved_low": saved_low,
                "labels_saved_high": saved_high,
                "labels_saved_ratio": saved_mean / random_mean if random_mean else np.nan,
                "money_saved": saved_mean * cost_per_label,
                "p_value": p_value,
                "beats_random": bool(not is_reference and p_value < 0.05 and auc_mean > areas[REFERENCE].mean()),
            }
        )
    return pd.DataFrame(rows)
