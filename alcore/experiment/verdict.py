"""How alcore decides whether a strategy saves labels: one statistical design.

Everything here works on *labels to target*, the figure a stakeholder budgets
on, seed by seed. Seed s runs every strategy on the same test split and the
same initial labels, so a strategy is compared with random on the same seed:

- `needed[s]`: labels the run needed to first reach the target, or NaN when it
  never did; `budget[s]`: the most labels that run had. A run that never got
  there needed *more than* its budget (right-censored).
- The paired saving on seed s is random's labels minus the strategy's. It is
  exact when both reached the target, at least `budget - strategy` when only
  the strategy did, at most `random - budget` when only random did, and
  unknown when neither did (`paired_saving_bounds`).
- Two one-sided exact Wilcoxon signed-rank tests on those savings ("does the
  strategy need fewer labels?", "does random?"), each taking every censored
  saving at its worst for the claim tested; seeds where neither reached the
  target carry no information and are left out.
- Holm's correction across the strategies compared with random, for each of
  the two claims, at a family-wise 5%.
- The verdict (`VERDICTS`) follows from those, and the best strategy is
  chosen among the ones that beat random, never before the test.

With n informative seeds no paired test can give p below 1 / 2**n, so with
m strategies a win needs 1 / 2**n <= 0.05 / m: 6 seeds suffice for up to three
strategies beside random, which is why `DEFAULT_SEEDS` is 6. Below that the
verdict says "too few seeds to tell" rather than "no difference".
"""

from __future__ import annotations

import itertools
import math

import numpy as np
from scipy import stats

ALPHA = 0.05
"""Family-wise error rate of each claim ("beats random", "random was better")."""

DEFAULT_SEEDS = 6
"""Seeds the dashboard, the command line and `compare` run unless told otherwise."""

VERDICTS = {
    "win": "beats random",
    "at_least": "beats random (random never reached the target on some seeds)",
    "random_better": "random was better",
    "no_clear_difference": "no clear difference",
    "too_few_seeds": "too few seeds to tell",
    "reached_at_start": "both reached the target before choosing a row",
    "nobody_reached": "neither reached the target",
    "reference": "the reference",
}
"""Every verdict a strategy can get, with the words tables use for it."""

WINNING = ("win", "at_least")

_EXACT_LIMIT = 16
"""Up to this many paired savings the signed-rank test enumerates all 2**n sign patterns."""


def paired_saving_bounds(
    strategy_needed: np.ndarray,
    strategy_budget: np.ndarray,
    random_needed: np.ndarray,
    random_budget: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Labels saved on each seed: (value, lowest possible, highest possible), each of shape (n_seeds,).

    needed: labels to target per seed (NaN: never reached); budget: the most
    labels that run had. value counts a run that never reached the target at
    its budget; -inf / +inf in low / high mark a side the data does not bound.
    """
    strategy_needed = np.asarray(strategy_needed, dtype=float)
    random_needed = np.asarray(random_needed, dtype=float)
    strategy_reached = ~np.isnan(strategy_needed)
    random_reached = ~np.isnan(random_needed)
    random_at_least = np.where(random_reached, random_needed, np.asarray(random_budget, dtype=float))
    strategy_at_least = np.where(strategy_reached, strategy_needed, np.asarray(strategy_budget, dtype=float))
    value = random_at_least - strategy_at_least
    low = np.where(strategy_reached, value, -np.inf)
    high = np.where(random_reached, value, np.inf)
    return value, low, high


def signed_rank_p_value(savings: np.ndarray) -> float:
    """One-sided p-value that savings are centred above zero (exact Wilcoxon signed-rank).

    Zeros are left out (they favour neither side); ties share their ranks and
    the null distribution is enumerated over all sign patterns of those ranks,
    so the p-value is exact with ties too. Past `_EXACT_LIMIT` savings scipy's
    normal approximation is used.
    """
    savings = np.asarray(savings, dtype=float)
    savings = savings[savings != 0]
    n = len(savings)
    if n == 0:
        return 1.0
    if n > _EXACT_LIMIT:
        return float(stats.wilcoxon(savings, alternative="greater", method="asymptotic").pvalue)
    ranks = stats.rankdata(np.abs(savings))
    observed = ranks[savings > 0].sum()
    signs = np.array(list(itertools.product((0.0, 1.0), repeat=n)))
    null = signs @ ranks
    return float(np.mean(null >= observed - 1e-9))


def one_sided_p_values(low: np.ndarray, high: np.ndarray) -> tuple[float, float, int]:
    """(p that the strategy saves labels, p that it costs labels, informative seeds).

    low, high: `paired_saving_bounds`. A seed where neither run reached the
    target (both sides unbounded) is left out of both tests.
    """
    informative = np.isfinite(low) | np.isfinite(high)
    if not informative.any():
        return 1.0, 1.0, 0
    # Each test takes a censored saving at its worst for the claim: its open bound, -inf or +inf,
    # which a rank test ranks beyond every known saving (its own ranks and scipy's alike).
    better = signed_rank_p_value(low[informative])
    worse = signed_rank_p_value(-high[informative])
    return better, worse, int(informative.sum())


def holm(p_values: dict[str, float]) -> dict[str, float]:
    """Holm-adjusted p-values: compare each with ALPHA to keep the family-wise error at ALPHA."""
    order = sorted(p_values, key=p_values.get)
    m = len(order)
    adjusted, running = {}, 0.0
    for rank, name in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p_values[name]))
        adjusted[name] = running
    return adjusted


def seeds_needed(n_strategies: int) -> int:
    """The fewest informative seeds with which each of `n_strategies` strategies can be told apart from random:
    the smallest n with 1 / 2**n <= ALPHA / n_strategies (Holm's first threshold)."""
    return math.ceil(math.log2(max(n_strategies, 1) / ALPHA))


def can_reach_verdict(informative_seeds: int, n_strategies: int) -> bool:
    """Could a strategy better on every informative seed be declared a winner after Holm?"""
    return informative_seeds >= seeds_needed(n_strategies)


def mean_with_kind(values: np.ndarray, low: np.ndarray, high: np.ndarray) -> tuple[float, str]:
    """Mean over seeds of censored values, and whether it is 'exact', 'at_least', 'at_most' or 'unknown'.

    values: each seed's value with a censored one at its bound; low/high: its
    bounds (±inf where open). The mean is a bound whenever one seed's value is.
    """
    if len(values) == 0:
        return np.nan, "unknown"
    mean = float(np.mean(values))
    open_below, open_above = np.isneginf(low).any(), np.isposinf(high).any()
    if open_below and open_above:
        return mean, "unknown"
    if open_above:
        return mean, "at_least"
    if open_below:
        return mean, "at_most"
    return mean, "exact"


def decide(
    saving: float,
    saving_kind: str,
    p_better: float,
    p_worse: float,
    informative: int,
    n_strategies: int,
    reached_at_start: bool = False,
) -> str:
    """One strategy's verdict against random (a key of VERDICTS).

    p_better / p_worse: Holm-adjusted. A win needs a significant test *and* a
    saving that is not known to be zero or a loss, so a loss is never green.
    reached_at_start: on every seed both runs were at the target with the labels they started from, before the
    strategy chose a row; then every saving is 0 by construction and more seeds cannot change that (on AER's
    HMDA, 88% of loans approved, 95% of the full-data accuracy is below what predicting "approved" scores),
    so the verdict says so instead of "too few seeds to tell" or "no clear difference".
    """
    if informative == 0:
        return "nobody_reached"
    if reached_at_start:
        return "reached_at_start"
    known_not_positive = saving_kind in ("exact", "at_most") and saving <= 0
    known_not_negative = saving_kind in ("exact", "at_least") and saving >= 0
    if p_better < ALPHA and not known_not_positive:
        return "at_least" if saving_kind == "at_least" else "win"
    if p_worse < ALPHA and not known_not_negative:
        return "random_better"
    if not can_reach_verdict(informative, n_strategies):
        return "too_few_seeds"
    return "no_clear_difference"


def best_of(rows: list[dict]) -> dict | None:
    """The winner that saves most labels (a lower bound counts at its value, an unknown saving
    last, ties to the smaller p-value), or None if nobody won."""
    winners = [row for row in rows if row["verdict"] in WINNING]
    if not winners:
        return None

    def key(row):
        # Only a saving known from below ranks by its value; "at most" or "unknown" ranks last.
        known = row["labels_saved_kind"] in ("exact", "at_least")
        return (row["labels_saved"] if known else -np.inf, -row["p_value"])

    return max(winners, key=key)


def lead(rows: list[dict]) -> tuple[str, dict | None]:
    """The verdict the headline leads with, and its strategy's row.

    A winner first (the one saving most); else the strategy random beat most
    clearly; else the closest to a saving among the undecided ones.
    """
    compared = [row for row in rows if row["verdict"] != "reference"]
    if not compared:
        return "reference", None
    best = best_of(compared)
    if best is not None:
        return best["verdict"], best
    for key in ("random_better", "no_clear_difference", "too_few_seeds", "reached_at_start", "nobody_reached"):
        group = [row for row in compared if row["verdict"] == key]
        if key == "random_better" and group:
            return key, min(group, key=lambda row: row["p_random_better"])
        if group:
            return key, max(group, key=lambda row: row["labels_saved"])
    raise ValueError(f"Unknown verdicts: {sorted({row['verdict'] for row in compared})}")
