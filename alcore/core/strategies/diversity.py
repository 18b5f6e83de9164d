"""Diversity: a batch that covers the pool instead of ten copies of one doubt.

- `kcenter` (greedy core-set, farthest-first traversal): needs no model, so it
  is also a cold-start pick. Each candidate keeps the distance to its nearest
  center (a labeled row or a row already picked); every pick is the farthest
  candidate, then one vectorized pass updates those distances. Memory is
  O(n_candidates); there is never an n x n distance matrix.
- `diverse_margin`: the `shortlist_factor` x batch_size most uncertain
  candidates by margin (a setting, 3 by default), clustered with k-means;
  the most uncertain row of each cluster. A shortlist 3 times the batch keeps
  the batch among the real doubts while no two rows ask the same thing: on
  the savings suite (`benchmarks/bench_savings.py`, 3 seeds while exploring)
  3 saved more labels than 10 (which dilutes the doubts with rows the model
  is nearly sure of), 2 and 5 (see README, "Labels saved on real data").
"""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.cluster import KMeans
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics.pairwise import euclidean_distances
from sklearn.utils.extmath import row_norms
from threadpoolctl import threadpool_limits

from alcore.core.strategies.base import Query, StrategyInfo, dense_row, top_k
from alcore.core.strategies.uncertainty import uncertainty_scores

DISTANCE_BLOCK_ROWS = 4096
"""Candidates per block when measuring distances to the labeled rows."""

DISTANCE_BLOCK_CENTERS = 1024
"""Labeled rows per block: a block of distances is at most 4096 x 1024 floats (32 MB)."""


def nearest_center_sq_distances(
    X,
    rows: np.ndarray,
    centers: np.ndarray,
    block_rows: int = DISTANCE_BLOCK_ROWS,
    block_centers: int = DISTANCE_BLOCK_CENTERS,
) -> np.ndarray:
    """(len(rows),) squared Euclidean distance from each row of X to its nearest center row.

    X: (n_rows, n_features), dense or CSR. rows, centers: pool row indices.
    Blocked over both rows and centers, so memory stays at one block of
    distances however many rows are labeled. No center: +inf everywhere.
    """
    nearest = np.full(len(rows), np.inf)
    for center_start in range(0, len(centers), block_centers):
        center_features = X[centers[center_start : center_start + block_centers]]
        center_sq_norms = row_norms(center_features, squared=True)[np.newaxis, :]
        for start in range(0, len(rows), block_rows):
            block = slice(start, start + block_rows)
            distances = euclidean_distances(
                X[rows[block]], center_features, Y_norm_squared=center_sq_norms, squared=True
            )
            np.minimum(nearest[block], distances.min(axis=1), out=nearest[block])
    return nearest


def _candidate_features(X, candidates: np.ndarray):
    """Features to project on each new center, and how to map them to candidates.

    Returns (features, positions): candidates' projections are
    `(features @ center)[positions]` (positions None: no gather needed).
    A contiguous run is a view; a candidate set covering most of the pool
    uses the whole X (no copy, the extra rows cost less than copying);
    a small subset (a sampled huge pool) is copied once.
    """
    if candidates[-1] - candidates[0] == len(candidates) - 1:
        return X[candidates[0] : candidates[-1] + 1], None
    if 2 * len(candidates) >= X.shape[0]:
        return X, candidates
    return X[candidates], None


def farthest_first(X, candidates: np.ndarray, centers: np.ndarray, batch_size: int, rng: np.random.Generator):
    """Greedy k-center: positions (into candidates) of batch_size picks, and each
    candidate's distance to its nearest center before the batch.

    With no center (nothing labeled), the first pick is a random candidate and
    the distances are measured from it. Ties for the farthest are broken by rng.
    """
    features, positions = _candidate_features(X, candidates)
    sq_norms = row_norms(features, squared=True)
    if positions is not None:
        sq_norms = sq_norms[positions]
    nearest = nearest_center_sq_distances(X, candidates, centers)

    def add_center(pick: int) -> None:
        center = dense_row(X, candidates[pick])
        sq_distance = features @ center
        if positions is not None:
            sq_distance = sq_distance[positions]
        sq_distance *= -2.0
        sq_distance += sq_norms
        sq_distance += center @ center
        np.minimum(nearest, sq_distance, out=nearest)
        nearest[pick] = -np.inf  # never picked twice, even among duplicates

    picks = []
    if len(centers) == 0:
        picks.append(int(rng.integers(len(candidates))))
        add_center(picks[0])
    distances_before = np.sqrt(np.maximum(nearest, 0.0))  # a first pick (-inf) scores 0
    # Each pick is one memory-bound matrix-vector product that a second BLAS
    # thread barely speeds up; on a shared machine a descheduled BLAS thread
    # stalls every one of the sequential picks (measured: median 1.0 s with
    # two threads vs 0.33 s with one, 100 of 100,000 x 50 under load).
    with threadpool_limits(limits=1, user_api="blas"):
        while len(picks) < batch_size:
            farthest = np.flatnonzero(nearest == nearest.max())
            pick = int(farthest[0] if len(farthest) == 1 else rng.choice(farthest))
            picks.append(pick)
            if len(picks) < batch_size:
                add_center(pick)
    return np.array(picks, dtype=np.int64), distances_before


def kcenter(model, pool, batch_size: int, rng: np.random.Generator, candidates: np.ndarray) -> Query:
    """Scores: each candidate's distance to its nearest labeled row before the batch
    (with nothing labeled, to the batch's first, random, pick)."""
    picks, distances = farthest_first(pool.X, candidates, pool.labeled_indices(), batch_size, rng)
    return Query(candidates[picks], candidates, distances, "kcenter")


def diverse_margin(
    model,
    pool,
    batch_size: int,
    rng: np.random.Generator,
    candidates: np.ndarray,
    *,
    shortlist_factor: int = 3,
) -> Query:
    """Scores: the margin score of every candidate (as `margin`)."""
    scores = uncertainty_scores(model, pool.X, candidates, "margin")
    shortlist = top_k(scores, min(len(candidates), shortlist_factor * batch_size), rng)
    if len(shortlist) <= batch_size:
        return Query(candidates[shortlist[:batch_size]], candidates, scores, "diverse_margin")
    clustering = KMeans(n_clusters=batch_size, n_init=1, random_state=int(rng.integers(2**31 - 1)))
    with warnings.catch_warnings():
        # Duplicate rows can leave fewer distinct clusters than asked; filled below.
        warnings.simplefilter("ignore", ConvergenceWarning)
        clusters = clustering.fit_predict(pool.X[candidates[shortlist]])
    # shortlist is most uncertain first, so a cluster's first row is its most uncertain.
    _, first_of_cluster = np.unique(clusters, return_index=True)
    taken = np.zeros(len(shortlist), dtype=bool)
    taken[first_of_cluster] = True
    if taken.sum() < batch_size:
        taken[np.flatnonzero(~taken)[: batch_size - taken.sum()]] = True
    chosen = shortlist[taken]  # still most uncertain first
    return Query(candidates[chosen], candidates, scores, "diverse_margin")


KCENTER = StrategyInfo(
    "kcenter",
    kcenter,
    "Pick rows far from everything labeled so far, spread over the feature space (needs no model).",
    needs_model=False,
)
DIVERSE_MARGIN = StrategyInfo(
    "diverse_margin",
    diverse_margin,
    "Among the most uncertain rows (by margin), pick one per cluster so a batch is not ten copies of one doubt.",
)
