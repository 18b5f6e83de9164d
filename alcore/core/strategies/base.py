"""The contract every query strategy follows.

A strategy is a small plain function

    strategy(model, pool, batch_size, rng, candidates, *, setting=default, ...) -> Query

- model: a fitted scikit-learn classifier (or pipeline), or None for a
  strategy registered with ``needs_model=False`` (cold start);
- pool: the `alcore.core.pool.Pool` (read, never written);
- batch_size: how many rows to return, 1 <= batch_size <= len(candidates);
- rng: the `numpy.random.Generator` that breaks every tie (never global state);
- candidates: (n_candidates,) unlabeled pool row indices to choose among, in
  ascending order (all unlabeled rows, or a random subset for a huge pool).

- settings: keyword-only parameters with defaults (a committee's size, the
  weight of density); `StrategyInfo.defaults` reads them from the signature,
  so results can record exactly what ran.

It returns a `Query`: the chosen rows and the score of every candidate, so a
page can say why a row was picked. Each strategy module describes its
strategies with `StrategyInfo`; the list of strategies is written out in
`alcore.core.strategies` (the package's `__init__`).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp


@dataclass(frozen=True)
class Query:
    """What a strategy asks for.

    indices: (batch_size,) pool row indices to label, most wanted first.
    candidates: (n_candidates,) pool row indices that were scored.
    scores: (n_candidates,) the strategy's score of each candidate; higher
        means more wanted (uncertainty, distance to the labeled set, ...).
    strategy: the registered name of the strategy that asked.
    note: optional words on how this batch was chosen, for a strategy that
        decides among others (`auto` says which one it used and why).
    """

    indices: np.ndarray
    candidates: np.ndarray
    scores: np.ndarray
    strategy: str
    note: str = ""

    def score_of(self, rows: np.ndarray) -> np.ndarray:
        """Scores of the given pool rows (each must be a candidate)."""
        rows = np.asarray(rows)
        positions = np.minimum(np.searchsorted(self.candidates, rows), len(self.candidates) - 1)
        if not np.array_equal(self.candidates[positions], rows):
            raise ValueError("score_of was asked for rows that were not candidates of this query")
        return self.scores[positions]


StrategyFunction = Callable[..., Query]


@dataclass(frozen=True)
class StrategyInfo:
    """A strategy as the registry shows it.

    new_memory: for a strategy that learns across rounds (`auto`), builds the
        memory its caller keeps and passes back each round as `memory=`:
        new_memory(settings, registry) -> memory. None for a strategy that
        remembers nothing.
    """

    name: str
    function: StrategyFunction
    description: str
    needs_model: bool = True
    new_memory: Callable[[dict, Mapping[str, StrategyInfo]], Any] | None = None

    @property
    def defaults(self) -> dict[str, Any]:
        """The strategy's settings and their defaults: its function's keyword-only parameters."""
        parameters = inspect.signature(self.function).parameters.values()
        return {
            parameter.name: parameter.default
            for parameter in parameters
            if parameter.kind is inspect.Parameter.KEYWORD_ONLY and parameter.name != "memory"
        }

    def settings(self, overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Every setting of this strategy: the defaults with `overrides` applied.

        Raises ValueError naming the strategy's settings for a name it does not have.
        """
        overrides = dict(overrides or {})
        defaults = self.defaults
        unknown = sorted(set(overrides) - set(defaults))
        if unknown:
            known = ", ".join(defaults) or "none"
            raise ValueError(
                f"Strategy {self.name!r} has no setting {', '.join(map(repr, unknown))}; its settings: {known}."
            )
        return {**defaults, **overrides}


def top_k(scores: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """Positions of the k largest scores, largest first, ties broken by `rng`.

    O(n): `argpartition` finds the k-th largest value; only the candidates
    tied with it at the boundary are drawn at random, so a pool of identical
    scores still gives a random (and reproducible) batch.
    """
    if np.isnan(scores).any():
        # A diverging model can score NaN; such a row is the least wanted, not a crash.
        scores = np.where(np.isnan(scores), -np.inf, scores)
    n = len(scores)
    if k >= n:
        order = rng.permutation(n)
        return order[np.argsort(-scores[order], kind="stable")]
    largest = np.argpartition(scores, n - k)[n - k :]  # the k largest, k-th largest first
    threshold = scores[largest[0]]
    above = np.sort(largest[scores[largest] > threshold])
    tied = np.flatnonzero(scores == threshold)
    chosen_tied = rng.choice(tied, size=k - len(above), replace=False)
    chosen = np.concatenate([above, chosen_tied])
    return chosen[np.argsort(-scores[chosen], kind="stable")]


def as_dense(features) -> np.ndarray:
    """(n_rows, n_features) float64 array of dense or sparse features (no copy when already float64)."""
    if sp.issparse(features):
        return features.toarray().astype(np.float64, copy=False)
    return np.asarray(features, dtype=np.float64)


def dense_row(X, row: int) -> np.ndarray:
    """(n_features,) float64 row `row` of a dense or sparse X (a view when X is dense float64)."""
    return as_dense(X[row : row + 1])[0]


PREDICT_CHUNK_ROWS = 65_536
"""Rows scored per model call: bounds the copy of X[candidates] in memory."""


def iter_row_chunks(X, rows: np.ndarray, chunk_rows: int = PREDICT_CHUNK_ROWS):
    """Yield (start, stop, features, keep) covering `rows[start:stop]` of X, chunk by chunk.

    rows: (n,) ascending pool row indices. `features` holds the chunk's rows;
    when `keep` is not None, it holds extra rows too, and the chunk's rows are
    `features[keep]` (apply the model to `features`, then take `[keep]`).

    Why: copying the candidates' features (`X[chunk]`) costs about a sixth of
    a logistic model's scoring time. Candidates are usually most of the pool
    (all but the labeled rows), so when they fill at least half of their span
    the chunks are windows of X (views, no copy) and the few labeled rows in a
    window are scored and dropped. A sparse subset (a sampled huge pool) is
    copied chunk by chunk. Either way the extra memory is one chunk.
    """
    if len(rows) == 0:
        return
    first, end = int(rows[0]), int(rows[-1]) + 1
    if end - first > 2 * len(rows):
        for start in range(0, len(rows), chunk_rows):
            chunk = rows[start : start + chunk_rows]
            yield start, start + len(chunk), X[chunk], None
        return
    start = 0
    for low in range(first, end, chunk_rows):
        high = min(low + chunk_rows, end)
        stop = start + int(np.searchsorted(rows[start : start + chunk_rows], high))
        if stop > start:
            keep = None if stop - start == high - low else rows[start:stop] - low
            yield start, stop, X[low:high], keep
        start = stop


def score_in_chunks(
    score_features: Callable[..., np.ndarray], X, rows: np.ndarray, chunk_rows: int = PREDICT_CHUNK_ROWS
) -> np.ndarray:
    """Apply `score_features` (features -> (n_chunk,) scores) to `rows` of X.

    Returns (len(rows),) float64. Each chunk is reduced to one score per row at
    once, so a (n_rows, n_classes) matrix is never held for the whole pool:
    the extra memory is one chunk of features and of model output.
    """
    scores = np.empty(len(rows), dtype=np.float64)
    for start, stop, features, keep in iter_row_chunks(X, rows, chunk_rows):
        chunk_scores = score_features(features)
        scores[start:stop] = chunk_scores if keep is None else chunk_scores[keep]
    return scores


def predict_proba(model, X, rows: np.ndarray, chunk_rows: int = PREDICT_CHUNK_ROWS) -> np.ndarray:
    """Class probabilities of `rows` of X, (len(rows), n_classes), in chunks.

    Scoring in chunks keeps the extra memory at one chunk of features (plus
    the result) instead of a full copy of the pool, at the same model time.
    """
    proba = None
    for start, stop, features, keep in iter_row_chunks(X, rows, chunk_rows):
        part = model.predict_proba(features)
        part = part if keep is None else part[keep]
        if proba is None:
            proba = np.empty((len(rows), part.shape[1]), dtype=part.dtype)
        proba[start:stop] = part
    if proba is None:
        return np.empty((0, len(getattr(model, "classes_", ()))))
    return proba
