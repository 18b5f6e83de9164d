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

from alcore.core.strategies.base import PREDICT_CHUNK_ROWS, Query, StrategyInfo, score_in_chunks, top_k

FEW_COLUMNS = 16
"""Up to this many classes, per-row maxima run as a loop over columns.

NumPy reduces a short last axis slowly: on 65,536 x 3 probabilities
`P.max(axis=1)` and `np.partition(P, -2, axis=1)` take ~2 ms each, about a
fifth of a logistic model's own scoring time, while C - 1 vectorized passes
over the columns take ~0.2 ms. With many classes the loop loses and
`np.partition` (O(n_classes) per row, no sort) takes over.
"""


def _row_max(values: np.ndarray) -> np.ndarray:
    """(n_rows, n_columns) -> (n_rows,) largest value of each row."""
    if values.shape[1] > FEW_COLUMNS:
        return values.max(axis=1)
    largest = values[:, 0].copy()
    for column in range(1, values.shape[1]):
        np.maximum(largest, values[:, column], out=largest)
    return largest


def top_two_gap(values: np.ndarray) -> np.ndarray:
    """(n_rows, n_columns >= 2) -> (n_rows,) largest minus second largest value per row.

    A tie at the top gives 0. No row loop and no sort: a running
    (first, second) pair over few columns, `np.partition` over many.
    """
    if values.shape[1] > FEW_COLUMNS:
        top_two = np.partition(values, -2, axis=1)[:, -2:]
        return top_two[:, 1] - top_two[:, 0]
    first = np.maximum(values[:, 0], values[:, 1])
    second = np.minimum(values[:, 0], values[:, 1])
    for column in range(2, values.shape[1]):
        value = values[:, column]
        np.maximum(second, np.minimum(first, value), out=second)
        np.maximum(first, value, out=first)
    first -= second
    return first


def least_confidence_from_proba(proba: np.ndarray) -> np.ndarray:
    """1 - max p: (n_rows, n_classes) -> (n_rows,), in [0, 1 - 1/n_classes]."""
    return 1.0 - _row_max(proba)


def margin_from_proba(proba: np.ndarray) -> np.ndarray:
    """1 - (p_first - p_second): (n_rows, n_classes) -> (n_rows,), in [0, 1]."""
    if proba.shape[1] < 2:
        return np.zeros(proba.shape[0])
    return 1.0 - top_two_gap(proba)


def entropy_from_proba(proba: np.ndarray) -> np.ndarray:
    """Shannon entropy in nats: (n_rows, n_classes) -> (n_rows,); 0 log 0 = 0.

    The row sum is a matrix-vector product: much faster than `sum(axis=1)`
    over a short axis, and `log(where=p > 0)` skips the zeros without NaNs.
    """
    log_proba = np.log(proba, out=np.zeros(proba.shape), where=proba > 0)
    log_proba *= proba
    return -(log_proba @ np.ones(proba.shape[1]))


def margin_from_decision(decision: np.ndarray) -> np.ndarray:
    """Margin for a model without probabilities (e.g. LinearSVC): (n_rows,) scores.

    decision: (n_rows,) signed distances (binary) -> -|f|, or
    (n_rows, n_classes) per-class values -> -(first - second). Scores are <= 0;
    0 means on the boundary. Not comparable across models, only across rows.
    """
    decision = np.asarray(decision, dtype=np.float64)
    if decision.ndim == 1 or decision.shape[1] == 1:
        return -np.abs(decision.ravel())
    return -top_two_gap(decision)


_FROM_PROBA = {
    "least_confidence": least_confidence_from_proba,
    "margin": margin_from_proba,
    "entropy": entropy_from_proba,
}


def uncertainty_scores(model, X, rows: np.ndarray, measure: str, chunk_rows: int = PREDICT_CHUNK_ROWS) -> np.ndarray:
    """(len(rows),) uncertainty of pool `rows` of X under `measure`.

    measure: "least_confidence", "margin" or "entropy". A model without
    `predict_proba` is scored by `decision_function`, which only "margin"
    can use; the others raise a ValueError saying what to choose instead.
    """
    from_proba = _FROM_PROBA[measure]
    if hasattr(model, "predict_proba"):
        return score_in_chunks(lambda features: from_proba(model.predict_proba(features)), X, rows, chunk_rows)
    if measure == "margin" and hasattr(model, "decision_function"):
        return score_in_chunks(
            lambda features: margin_from_decision(model.decision_function(features)), X, rows, chunk_rows
        )
    raise ValueError(
        f"The {measure} strategy needs a model that gives class probabilities; "
        f"{type(model).__name__} does not. Choose the margin strategy, or a model with probabilities."
    )


def _uncertainty_query(model, pool, batch_size, rng, candidates, measure: str) -> Query:
    scores = uncertainty_scores(model, pool.X, candidates, measure)
    chosen = top_k(scores, batch_size, rng)
    return Query(candidates[chosen], candidates, scores, measure)


def least_confidence(model, pool, batch_size: int, rng: np.random.Generator, candidates: np.ndarray) -> Query:
    return _uncertainty_query(model, pool, batch_size, rng, candidates, "least_confidence")


def margin(model, pool, batch_size: int, rng: np.random.Generator, candidates: np.ndarray) -> Query:
    return _uncertainty_query(model, pool, batch_size, rng, candidates, "margin")


def entropy(model, pool, batch_size: int, rng: np.random.Generator, candidates: np.ndarray) -> Query:
    return _uncertainty_query(model, pool, batch_size, rng, candidates, "entropy")


LEAST_CONFIDENCE = StrategyInfo(
    "least_confidence", least_confidence, "Ask about the rows whose most likely class is least likely (1 - max p)."
)
MARGIN = StrategyInfo("margin", margin, "Ask about the rows where the two most likely classes are closest.")
ENTROPY = StrategyInfo("entropy", entropy, "Ask about the rows whose predicted class distribution is most spread out.")
