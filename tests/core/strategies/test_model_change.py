"""Expected gradient length: the closed form equals the averaged gradient norm,
and a far-from-origin uncertain row beats a near one."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from alcore.core.pool import Pool
from alcore.core.strategies import select


def brute_force_egl(model, X):
    """Σ_y p_y ||∇_W loss|| with the gradient built explicitly as (p - e_y) ⊗ [x, 1]."""
    proba = model.predict_proba(X)
    X1 = np.hstack([X, np.ones((len(X), 1))])
    scores = []
    for p, x in zip(proba, X1):
        scores.append(sum(p[y] * np.linalg.norm(np.outer(p - np.eye(len(p))[y], x)) for y in range(len(p))))
    return np.array(scores)


def test_closed_form_equals_the_explicit_gradients():
    X, y = make_classification(n_samples=80, n_features=6, n_informative=4, n_classes=3, random_state=0)
    model = LogisticRegression(max_iter=1000).fit(X[:30], y[:30])
    query = select("expected_gradient_length", model, Pool(X), 5, np.random.default_rng(0))
    np.testing.assert_allclose(query.scores, brute_force_egl(model, X))


def test_a_pipeline_is_scored_on_what_enters_its_last_step():
    X, y = make_classification(n_samples=80, n_features=6, random_state=1)
    X = X * 100 + 50
    model = make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y)
    query = select("expected_gradient_length", model, Pool(X), 5, np.random.default_rng(0))
    np.testing.assert_allclose(query.scores, brute_force_egl(model[-1], model[0].transform(X)))


def test_far_uncertain_row_beats_near_uncertain_row_and_confident_rows():
    x = np.linspace(0.5, 4.0, 40)
    model = LogisticRegression().fit(np.column_stack([np.concatenate([-x, x]), np.zeros(80)]), np.repeat([0, 1], 40))
    # Rows on the boundary x0 = 0 (equally uncertain), near and far from the origin; then a confident row.
    X = np.array([[0.0, 0.5], [0.0, 30.0], [0.0, 3.0], [6.0, 0.0]])
    query = select("expected_gradient_length", model, Pool(X), 4, np.random.default_rng(0))
    assert query.indices.tolist()[:3] == [1, 2, 0]
    margin = select("margin", model, Pool(X), 4, np.random.default_rng(0))
    assert np.allclose(margin.scores[:3], margin.scores[0])  # margin cannot tell them apart


def test_a_model_without_a_linear_layer_is_told_what_to_choose():
    X, y = make_classification(n_samples=60, random_state=0)
    with pytest.raises(ValueError, match="logreg"):
        select(
            "expected_gradient_length",
            RandomForestClassifier(n_estimators=5).fit(X, y),
            Pool(X),
            3,
            np.random.default_rng(0),
        )
