"""typical_clusters: the row picked in each cluster is the one nearest its centre.

That a batch hits every well-separated cluster is tested for every model-free strategy in
tests/core/strategies/test_contract.py.
"""

from __future__ import annotations

import numpy as np

from alcore.core.pool import Pool
from alcore.core.strategies import select
from tests.synthetic import grid_of_clusters


def test_the_row_picked_is_the_one_nearest_its_cluster_centre():
    X, cluster = grid_of_clusters()
    query = select("typical_clusters", None, Pool(X), 9, np.random.default_rng(0))
    for row in query.indices:
        members = np.flatnonzero(cluster == cluster[row])
        centroid = X[members].mean(axis=0)
        nearest = members[np.argmin(np.linalg.norm(X[members] - centroid, axis=1))]
        assert row == nearest


def test_a_large_pool_uses_mini_batches():
    X, cluster = grid_of_clusters()
    query = select("typical_clusters", None, Pool(X), 9, np.random.default_rng(0), minibatch_above=50)
    assert sorted(cluster[query.indices]) == list(range(9))


def test_duplicates_still_fill_the_batch():
    X = np.repeat([[0.0, 0.0], [10.0, 10.0]], 10, axis=0)
    query = select("typical_clusters", None, Pool(X), 5, np.random.default_rng(0))
    assert len(np.unique(query.indices)) == 5
    assert set(X[query.indices[:2], 0]) == {0.0, 10.0}
