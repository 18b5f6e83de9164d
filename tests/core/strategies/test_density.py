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
    flat = density.information_density(
        EquallyUnsure(), pool, 3, np.random.default_rng(0), pool.unlabeled_indices(), beta=0.0
    )
    np.testing.assert_allclose(flat.scores, np.log(2))


def test_density_equals_the_brute_force_mean_similarity_in_small_blocks(monkeypatch):
    X, _ = crowd_and_outliers()
    X[5] = 0.0  # an all-zero row: similar to nothing
    monkeypatch.setattr(density, "DENSITY_BLOCK_ROWS", 7)
    rows = np.arange(0, 63, 2)
    expected = np.maximum(cosine_similarity(X[rows], X), 0).mean(axis=1)
    np.testing.assert_allclose(density.mean_cosine_similarity(X, rows, np.arange(63)), expected, atol=1e-12)
    np.testing.assert_allclose(
        density.mean_cosine_similarity(sp.csr_matrix(X), rows, np.arange(63)), expected, atol=1e-12
    )


def test_a_large_pool_is_compared_with_a_sample_of_the_cap(monkeypatch):
    X, _ = crowd_and_outliers()
    monkeypatch.setattr(density, "DENSITY_SAMPLE_ROWS", 20)
    seen = {}
    original = density.mean_cosine_similarity
    monkeypatch.setattr(
        density,
        "mean_cosine_similarity",
        lambda X, rows, reference: seen.setdefault("n", len(reference)) and original(X, rows, reference),
    )
    select("density_weighted", EquallyUnsure(), Pool(X), 3, np.random.default_rng(0))
    assert seen["n"] == 20
