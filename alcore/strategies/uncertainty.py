"""Uncertainty sampling: ask about the rows the model is least sure of.

Built as modAL builds it: a scorer turns model output into one number per row
(higher = more uncertain), and the shared selector `top_k` picks the batch.
The scorers come in two layers so later strategies (density weighting, the
bandit) can reuse them:

- `*_from_proba(P)`: P (n_rows, n_classes) probabilities -> (n_rows,) scores;
- `uncertainty_scores(model, X, rows, measure)`: scores of pool rows, computed
  chunk by chunk so the full probability matrix of a huge pool is never held.
"""

from __future__ import annotations

import numpy as np
from scipy.special import entr

from alcore.strategies.base import Query, register, score_in_chunks, top_k


def least_confidence_from_proba(proba: np.ndarray) -> np.ndarray:
    """1 - max p: (n_rows, n_classes) -> (n_rows,), in [0, 1 - 1/n_classes]."""
    return 1.0 - proba.max(axis=1)


def margin_from_proba(proba: np.ndarray) -> np.ndarray:
    """1 - (p_first - p_second): (n_rows, n_classes) -> (n_rows,), in [0, 1].

    `np.partition` puts the two largest probabilities last in O(n_classes)
    per row, without sorting.
    """
    if proba.shape[1] < 2:
        return np.zeros(proba.shape[0])
    top_two = np.partition(proba, -2, axis=1)[:, -2:]
    return 1.0 - (top_two[:, 1] - top_two[:, 0])


def entropy_from_proba(proba: np.ndarray) -> np.ndarray:
    """Shannon entropy in nats: (n_rows, n_classes) -> (n_rows,); 0 log 0 = 0."""
    return entr(proba).sum(axis=1)


def margin_from_decision(decision: np.ndarray) -> np.ndarray:
    """Margin for a model without probabilities (e.g. LinearSVC): (n_rows,) scores.

    decision: (n_rows,) signed distances (binary) -> -|f|, or
    (n_rows, n_classes) per-class values -> -(first - second). Scores are <= 0;
    0 means on the boundary. Not comparable across models, only across rows.
    """
    decision = np.asarray(decision, dtype=np.float64)
    if decision.ndim == 1 or decision.shape[1] == 1:
        return -np.abs(decision.ravel())
    top_two = np.partition(decision, -2, axis=1)[:, -2:]
    return -(top_two[:, 1] - top_two[:, 0])


_FROM_PROBA = {
    "least_confidence": least_confidence_from_proba,
    "margin": margin_from_proba,
    "entropy": entropy_from_proba,
}


def uncertainty_scores(model, X, rows: np.ndarray, measure: str) -> np.ndarray:
    """(len(rows),) uncertainty of pool `rows` of X under `measure`.

    measure: "least_confidence", "margin" or "entropy". A model without
    `predict_proba` is scored by `decision_function`, which only "margin"
    can use; the others raise a ValueError saying what to choose instead.
    """
    from_proba = _FROM_PROBA[measure]
    if hasattr(model, "predict_proba"):
        return score_in_chunks(lambda features: from_proba(model.predict_proba(features)), X, rows)
    if measure == "margin" and hasattr(model, "decision_function"):
        return score_in_chunks(lambda features: margin_from_decision(model.decision_function(features)), X, rows)
    raise ValueError(
        f"The {measure} strategy needs a model that gives class probabilities; "
        f"{type(model).__name__} does not. Choose the margin strategy, or a model with probabilities."
    )


def _uncertainty_query(model, pool, batch_size, rng, candidates, measure: str) -> Query:
    scores = uncertainty_scores(model, pool.X, candidates, measure)
    chosen = top_k(scores, batch_size, rng)
    return Query(candidates[chosen], candidates, scores, measure)


@register("least_confidence", "Ask about the rows whose most likely class is least likely (1 - max p).")
def least_confidence(model, pool, batch_size: int, rng: np.random.Generator, candidates: np.ndarray) -> Query:
    return _uncertainty_query(model, pool, batch_size, rng, candidates, "least_confidence")


@register("margin", "Ask about the rows where the two most likely classes are closest.")
def margin(model, pool, batch_size: int, rng: np.random.Generator, candidates: np.ndarray) -> Query:
    return _uncertainty_query(model, pool, batch_size, rng, candidates, "margin")


@register("entropy", "Ask about the rows whose predicted class distribution is most spread out.")
def entropy(model, pool, batch_size: int, rng: np.random.Generator, candidates: np.ndarray) -> Query:
    return _uncertainty_query(model, pool, batch_size, rng, candidates, "entropy")
