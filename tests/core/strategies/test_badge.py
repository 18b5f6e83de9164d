"""BADGE: k-means++ over gradient embeddings that are never built, uncertain and diverse picks."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import make_blobs
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import GaussianNB
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from alcore.core.pool import LabelSource, Pool
from alcore.core.strategies import badge, select


def reference_badge(embeddings: np.ndarray, batch_size: int, rng: np.random.Generator) -> list[int]:
    """k-means++ seeding over explicit embeddings (n, k*d): what BADGE's authors compute."""
    sq_lengths = (embeddings**2).sum(axis=1)
    picks = [int(np.argmax(sq_lengths))]
    while len(picks) < batch_size:
        diffs = embeddings[:, None, :] - embeddings[picks][None, :, :]
        nearest = (diffs**2).sum(axis=2).min(axis=1)
        nearest[picks] = 0.0
        picks.append(int(rng.choice(len(nearest), p=nearest / nearest.sum())))
    return picks


def finite_difference_gradients(model: LogisticRegression, X: np.ndarray, step: float = 1e-6) -> np.ndarray:
    """(n, n_classes * (n_features + 1)): the gradient of -log p(ŷ | x) in every last-layer
    parameter (coefficients, then intercepts), by central differences on a copy of the model:
    an independent reference that knows nothing of how badge factors its embedding."""
    guesses = model.predict(X)
    parameters = [("coef_", index) for index in np.ndindex(model.coef_.shape)]
    parameters += [("intercept_", index) for index in np.ndindex(model.intercept_.shape)]
    by_parameter = {}
    for name, index in parameters:
        losses = []
        for sign in (1, -1):
            nudged = copy.deepcopy(model)
            getattr(nudged, name)[index] += sign * step
            proba = nudged.predict_proba(X)
            losses.append(-np.log(proba[np.arange(len(X)), np.searchsorted(model.classes_, guesses)]))
        by_parameter[(name, index)] = (losses[0] - losses[1]) / (2 * step)
    n_classes = len(model.classes_)
    coef = np.stack([by_parameter[("coef_", index)] for index in np.ndindex(model.coef_.shape)], axis=1)
    intercept = np.stack([by_parameter[("intercept_", (k,))] for k in range(n_classes)], axis=1)
    # Ordered class by class, each class's coefficients followed by its intercept: [x, 1] per class.
    coef = coef.reshape(len(X), n_classes, -1)
    return np.concatenate([coef, intercept[:, :, None]], axis=2).reshape(len(X), -1)


@pytest.fixture(scope="module")
def blobs():
    X, y = make_blobs(n_samples=300, centers=4, n_features=5, cluster_std=3.0, random_state=0)
    return X, y


@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "sparse"])
def test_implicit_distances_pick_what_explicit_embeddings_pick(blobs, sparse):
    X, y = blobs
    model = LogisticRegression(max_iter=2000).fit(X[:40], y[:40])
    candidates = np.arange(40, 300)
    embeddings = finite_difference_gradients(model, X[candidates])
    expected = reference_badge(embeddings, 8, np.random.default_rng(3))
    pool = Pool(sp.csr_matrix(X) if sparse else X)
    pool.record_labels(np.arange(40), y[:40], LabelSource.INITIAL)
    query = select("badge", model, pool, 8, np.random.default_rng(3))
    assert (query.indices - 40).tolist() == expected
    np.testing.assert_allclose(query.scores, np.linalg.norm(embeddings, axis=1), rtol=1e-5, atol=1e-8)


def test_a_pipeline_is_embedded_on_what_enters_its_last_step(blobs):
    X, y = blobs
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000)).fit(X[:40], y[:40])
    residuals, features = badge.gradient_embedding_parts(model, X, np.arange(40, 300))
    np.testing.assert_allclose(features[:, :-1], model[0].transform(X[40:]))
    assert (features[:, -1] == 1).all()  # the intercept's input


def test_without_a_linear_last_layer_the_embedding_is_concatenated(blobs):
    X, y = blobs
    model = GaussianNB().fit(X[:40], y[:40])
    proba = model.predict_proba(X[40:])
    residuals = proba - np.eye(4)[proba.argmax(axis=1)]
    expected = reference_badge(np.hstack([residuals, X[40:]]), 6, np.random.default_rng(0))
    pool = Pool(X)
    pool.record_labels(np.arange(40), y[:40], LabelSource.INITIAL)
    query = select("badge", model, pool, 6, np.random.default_rng(0))
    assert (query.indices - 40).tolist() == expected


def test_picks_are_uncertain_and_spread_out():
    """Two stretches of boundary far apart, B a little more uncertain than A, and
    confident rows: margin's batch crowds into B, BADGE's starts in B and covers A too."""
    rng = np.random.default_rng(0)
    train = np.column_stack(
        [np.concatenate([-rng.uniform(0.5, 3, 50), rng.uniform(0.5, 3, 50)]), rng.normal(0, 20, 100)]
    )
    model = LogisticRegression().fit(train, (train[:, 0] > 0).astype(int))  # boundary near x0 = 0
    stretch_a = np.column_stack([rng.uniform(0.01, 0.05, 30), rng.normal(-20, 0.5, 30)])
    stretch_b = np.column_stack([rng.uniform(0.2, 0.3, 30), rng.normal(20, 0.5, 30)])
    confident = np.column_stack([rng.choice([-3.0, 3.0], 60), rng.normal(0, 5, 60)])
    X = np.vstack([stretch_a, stretch_b, confident])
    group = np.repeat(["A", "B", "confident"], [30, 30, 60])
    for seed in range(5):
        crowded = select("margin", model, Pool(X), 4, np.random.default_rng(seed))
        assert set(group[crowded.indices]) == {"B"}
        query = select("badge", model, Pool(X), 4, np.random.default_rng(seed))
        assert group[query.indices[0]] == "B"  # the longest gradient: uncertain and far from the origin
        assert {"A", "B"} <= set(group[query.indices])
