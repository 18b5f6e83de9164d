"""When to stop asking for labels, and why.

Four rules, any of which ends a run: a budget of labels, a target score, a
plateau (no gain above delta over k rounds), and stabilizing predictions
(successive models agree on a fixed "stop set" of pool rows for k rounds,
Bloodgood & Vijay-Shanker 2009), which needs no held-out labels at all and so
also advises a person labeling by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np


@dataclass(frozen=True)
class StoppingRule:
    """Settings of the stopping rules; a rule left at None is off.

    budget: the most labels in total.
    target: stop once `target_metric` reaches this value.
    plateau_rounds, plateau_delta: stop when the best score of the last k
        rounds is no more than delta above the best before them.
    stable_rounds, stable_agreement: stop when k successive models in a row
        agree with their predecessor on at least this share of the stop set.
    """

    budget: int | None = None
    target: float | None = None
    target_metric: str = "accuracy"
    plateau_rounds: int | None = None
    plateau_delta: float = 0.005
    stable_rounds: int | None = None
    stable_agreement: float = 0.99
    stop_set_size: int = 1000

    def with_budget(self, budget: int | None) -> StoppingRule:
        """This rule with the tighter of its own budget and `budget`."""
        if budget is None:
            return self
        return replace(self, budget=budget if self.budget is None else min(budget, self.budget))

    def labels_left(self, n_labeled: int) -> int:
        return max(0, self.budget - n_labeled) if self.budget is not None else np.iinfo(np.int64).max


def prediction_agreement(previous: np.ndarray, current: np.ndarray) -> float:
    """Share of rows on which two successive models predict the same label."""
    if len(previous) == 0:
        return 1.0
    return float(np.mean(previous == current))


def plateaued(history: list[float], rounds: int, delta: float) -> bool:
    """True when the best of the last `rounds` scores gains at most `delta` over the best before."""
    if len(history) <= rounds:
        return False
    return max(history[-rounds:]) - max(history[:-rounds]) <= delta


class StopTracker:
    """Follows one run round by round and says when (and why) a rule fires."""

    def __init__(self, rule: StoppingRule, n_rows: int, seed: int | None = None):
        self.rule = rule
        rng = np.random.default_rng(seed)
        size = min(rule.stop_set_size, n_rows)
        self.stop_set = np.sort(rng.choice(n_rows, size=size, replace=False))
        self.history: list[float] = []
        self.agreements: list[float] = []
        self._previous_predictions: np.ndarray | None = None

    def observe_predictions(self, predictions: np.ndarray) -> float | None:
        """Record the model's predictions on the stop set; returns agreement with the last model."""
        agreement = None
        if self._previous_predictions is not None:
            agreement = prediction_agreement(self._previous_predictions, predictions)
            self.agreements.append(agreement)
        self._previous_predictions = predictions
        return agreement

    def is_stable(self) -> bool:
        k = self.rule.stable_rounds
        return k is not None and len(self.agreements) >= k and min(self.agreements[-k:]) >= self.rule.stable_agreement

    def update(self, record: dict, learner, pool) -> str:
        """Take one round's record; return the reason to stop, or "" to go on."""
        rule = self.rule
        score = record[rule.target_metric]
        self.history.append(score)
        if rule.stable_rounds is not None and not learner.is_cold_:
            self.observe_predictions(learner.predict(pool, self.stop_set))
        if rule.target is not None and score >= rule.target:
            return f"target reached: {rule.target_metric} {score:.3f} >= {rule.target:.3f}"
        if rule.budget is not None and record["n_labeled"] >= rule.budget:
            return f"budget reached: {record['n_labeled']} labels"
        if rule.plateau_rounds is not None and plateaued(self.history, rule.plateau_rounds, rule.plateau_delta):
            return f"plateau: no gain above {rule.plateau_delta:.3f} over {rule.plateau_rounds} rounds"
        if self.is_stable():
            return (
                f"stable predictions: successive models agreed on at least "
                f"{rule.stable_agreement:.0%} of the stop set for {rule.stable_rounds} rounds"
            )
        return ""
