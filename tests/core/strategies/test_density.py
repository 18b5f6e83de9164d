"""Information density: an outlier as uncertain as a typical row loses to it."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.metrics.pairwise import cosine_similarity

from alcore.core.pool import Pool
from alcore.core.strategies import density, select


class EquallyUnsure:
    """Every row gets the same near-uniform probabilities: uncertainty alone cannot choose."""

    classes_ = np.arange(2)

    def predict_proba(self, X):
        return np.tile([0.5, 0.5], (X.shape[0], 1))


def crowd_and_outliers(seed=0):
    """60 rows pointing roughly along (1, 1, 0) and 3 lone rows in other directions."""
    rng = np.random.default_rng(seed)
    crowd = np.array([1.0, 1.0, 0.0]) + rng.normal(scale=0.1, size=(60, 3))
    outliers = np.array([[0.0, -1.0, 5.0], [-3.0, 0.0, -4.0], [0.0, 0.0, -6.0]])
    return np.vstack([crowd, outliers]), np.arange(60, 63)


@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "sparse"])
def test_outliers_are_down_weighted(sparse):
    X, outliers = crowd_and_outliers()
    pool = Pool(sp.csr_matrix(X) if sparse else X)
    query = select("density_weighted", EquallyUnsure(), pool, 10, np.random.default_rng(0))
    assert not set(query.indices) & set(outliers)
    assert query.score_of(outliers).max() < 0.5 * np.median(query.scores)


def test_beta_zero_is_plain_uncertainty():
    X, _ = crowd_and_outliers()
    pool = Pool(X)
    flat = select("density_weighted", EquallyUnsure(), pool, 3, np.random.default_rng(0), beta=0.0)
    np.testing.assert_allclose(flat.scores, np.log(2))


def test_density_equals_the_brute_force_mean_similarity_in_small_blocks():
    X, _ = crowd_and_outliers()
    X[5] = 0.0  # an all-zero row: similar to nothing
    rows = np.arange(0, 63, 2)
    expected = np.maximum(cosine_similarity(X[rows], X), 0).mean(axis=1)
    for features in (X, sp.csr_matrix(X)):
        got = density.mean_cosine_similarity(features, rows, np.arange(63), block_rows=7)
        np.testing.assert_allclose(got, expected, atol=1e-12)


def test_a_large_pool_is_compared_with_a_sample_of_sample_rows():
    X, _ = crowd_and_outliers()
    pool = Pool(X)
    candidates = pool.unlabeled_indices()
    sample = np.sort(np.random.default_rng(0).choice(63, size=20, replace=False))
    expected = density.mean_cosine_similarity(X, candidates, sample)
    got = density.pool_density(pool, candidates, np.random.default_rng(0), sample_rows=20)
    np.testing.assert_allclose(got, expected)
    assert not np.allclose(got, density.mean_cosine_similarity(X, candidates, np.arange(63)))


def test_beta_is_recorded_and_changes_the_scores():
    X, _ = crowd_and_outliers()
    classic = select("density_weighted", EquallyUnsure(), Pool(X), 3, np.random.default_rng(0))
    squared = select("density_weighted", EquallyUnsure(), Pool(X), 3, np.random.default_rng(0), beta=2.0)
    np.testing.assert_allclose(squared.scores, classic.scores**2 / np.log(2), rtol=1e-9)
