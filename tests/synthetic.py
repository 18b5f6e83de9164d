"""Small data sets with known structure, shared by the strategy tests."""

import numpy as np


def grid_of_clusters(per_cluster=15, seed=0):
    """9 tight clusters on a 3 x 3 grid, 50 apart: (rows, 2) features and cluster ids."""
    rng = np.random.default_rng(seed)
    centers = np.array([(i, j) for i in range(3) for j in range(3)], dtype=float) * 50
    cluster = np.repeat(np.arange(9), per_cluster)
    return centers[cluster] + rng.normal(size=(len(cluster), 2)), cluster
