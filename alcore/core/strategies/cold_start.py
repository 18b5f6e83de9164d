"""Cold-start picks that need no labels: the most typical row of each cluster.

Before two classes are labeled there is no model to be unsure. `random`
may spend a first batch on one crowded region and `kcenter` on the pool's
extremes; `typical_clusters` asks for one row per region, and the row most
like its region: k-means with batch_size clusters over the candidates, then
in each cluster the row closest to its centroid (Hu et al. 2010; Zhu et al.
2008 "representative sampling"). MiniBatchKMeans takes over above
`minibatch_above` candidates (a setting, 10,000 by default) so a large pool
costs seconds, not minutes.
Memory: the centroids and one distance per candidate (no n x k matrix).
"""

from __future__ import annotations

import warnings

import numpy as np
import scipy.sparse as sp
from sklearn.cluster import KMeans, MiniBatchKMeans
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.extmath import row_norms

from alcore.core.strategies.base import Query, StrategyInfo, top_k


def sq_distances_to_own_centroid(features, labels: np.ndarray, centroids: np.ndarray) -> np.ndarray:
    """(n_rows,) squared distance of each row to the centroid of its cluster, dense or sparse."""
    own = centroids[labels]
    if sp.issparse(features):
        cross = np.asarray(features.multiply(own).sum(axis=1)).ravel()
    else:
        cross = np.einsum("ij,ij->i", features, own)
    return np.maximum(row_norms(features, squared=True) - 2.0 * cross + row_norms(own, squared=True), 0.0)


def cluster_candidates(features, n_clusters: int, rng: np.random.Generator, minibatch_above: int = 10_000):
    """(labels (n,), centroids (k, d)) of k-means over the candidates' features.

    minibatch_above: above this many rows, k-means runs in mini-batches.
    """
    seed = int(rng.integers(2**31 - 1))
    if features.shape[0] > minibatch_above:
        clustering = MiniBatchKMeans(n_clusters=n_clusters, n_init=3, random_state=seed, batch_size=4096)
    else:
        clustering = KMeans(n_clusters=n_clusters, n_init=1, random_state=seed)
    with warnings.catch_warnings():
        # Duplicate rows can leave fewer distinct clusters than asked; filled in by the caller.
        warnings.simplefilter("ignore", ConvergenceWarning)
        labels = clustering.fit_predict(features)
    return labels, clustering.cluster_centers_


def typical_clusters(
    model,
    pool,
    batch_size: int,
    rng: np.random.Generator,
    candidates: np.ndarray,
    *,
    minibatch_above: int = 10_000,
) -> Query:
    """Scores: minus each candidate's distance to its cluster's centroid (typical = high)."""
    features = pool.X[candidates]
    if batch_size >= len(candidates):
        labels, centroids = np.zeros(len(candidates), dtype=np.int64), np.asarray(features.mean(axis=0)).reshape(1, -1)
    else:
        labels, centroids = cluster_candidates(features, batch_size, rng, minibatch_above)
    scores = -np.sqrt(sq_distances_to_own_centroid(features, labels, centroids))
    # Most typical first, ties by rng; then the first row seen of each cluster is its most typical.
    order = top_k(scores, len(scores), rng)
    _, first_of_cluster = np.unique(labels[order], return_index=True)
    chosen = order[np.sort(first_of_cluster)]
    if len(chosen) < batch_size:  # fewer distinct clusters than asked: the most typical of the rest
        rest = order[~np.isin(order, chosen)]
        chosen = np.concatenate([chosen, rest[: batch_size - len(chosen)]])
    return Query(candidates[chosen[:batch_size]], candidates, scores, "typical_clusters")


TYPICAL_CLUSTERS = StrategyInfo(
    "typical_clusters",
    typical_clusters,
    "Group the rows into as many clusters as the batch and ask for the most typical row of each (needs no model).",
    needs_model=False,
)
