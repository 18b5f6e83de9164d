"""A logistic regression refitted from last round's weights reaches scikit-learn's own optimum."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_digits, make_classification
from sklearn.linear_model import LogisticRegression

from alcore.core.models import fit_estimator
from alcore.core.warm_logistic import can_warm_fit


def _tight(**params) -> LogisticRegression:
    return LogisticRegression(max_iter=5000, tol=1e-10, **params)


@pytest.mark.parametrize("n_classes", [2, 4])
@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_warm_refit_equals_a_cold_scikit_learn_fit(n_classes, sparse, fit_intercept):
    X, y = make_classification(n_samples=300, n_features=12, n_informative=6, n_classes=n_classes, random_state=0)
    X = sp.csr_matrix(X) if sparse else X
    previous = fit_estimator(_tight(fit_intercept=fit_intercept), X[:200], y[:200])
    warm = fit_estimator(_tight(fit_intercept=fit_intercept, C=0.5), X, y, previous=previous)
    cold = _tight(fit_intercept=fit_intercept, C=0.5).fit(X, y)
    assert type(warm) is LogisticRegression and warm.n_features_in_ == 12
    np.testing.assert_array_equal(warm.classes_, cold.classes_)
    np.testing.assert_allclose(warm.coef_, cold.coef_, atol=1e-5)
    np.testing.assert_allclose(warm.intercept_, cold.intercept_, atol=1e-5)
    np.testing.assert_allclose(warm.predict_proba(X), cold.predict_proba(X), atol=1e-6)


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_columns_no_labeled_row_uses_are_left_out_and_the_optimum_is_the_same(n_classes, fit_intercept):
    """Text: a few labeled rows use a fraction of the vocabulary; the previous model (fitted on other
    rows) has weights on words these rows lack, and they still end at 0, as in a cold fit."""
    rng = np.random.default_rng(0)
    X = sp.random(200, 60, density=0.05, format="csr", random_state=1) * 3
    y = rng.integers(0, n_classes, 200)
    y[:n_classes] = np.arange(n_classes)
    rows = np.flatnonzero(X[:, :20].sum(axis=1).A1 == 0)[:80]  # rows that use none of the first 20 words
    rows = np.union1d(rows, np.arange(n_classes))
    X = X.tolil()
    X[np.arange(n_classes), :20] = 0
    X = X.tocsr()
    previous = fit_estimator(_tight(fit_intercept=fit_intercept), X, y)
    assert np.abs(previous.coef_[:, :20]).max() > 1e-3
    warm = fit_estimator(_tight(fit_intercept=fit_intercept), X[rows], y[rows], previous=previous)
    cold = _tight(fit_intercept=fit_intercept).fit(X[rows], y[rows])
    assert warm.coef_.shape == cold.coef_.shape and not warm.coef_[:, :20].any()
    np.testing.assert_allclose(warm.coef_, cold.coef_, atol=1e-5)
    np.testing.assert_allclose(warm.intercept_, cold.intercept_, atol=1e-5)
    np.testing.assert_allclose(warm.predict_proba(X), cold.predict_proba(X), atol=1e-6)


def test_a_class_seen_for_the_first_time_is_learned_too():
    X, y = make_classification(n_samples=300, n_features=12, n_informative=6, n_classes=4, random_state=1)
    previous = fit_estimator(_tight(), X[y < 3], y[y < 3])
    warm = fit_estimator(_tight(), X, y, previous=previous)
    np.testing.assert_array_equal(warm.classes_, [0, 1, 2, 3])
    np.testing.assert_allclose(warm.predict_proba(X), _tight().fit(X, y).predict_proba(X), atol=1e-6)


def test_warm_refit_starts_near_the_answer_so_it_needs_fewer_iterations():
    X, y = load_digits(return_X_y=True)
    X = X / 16
    previous = fit_estimator(LogisticRegression(max_iter=1000), X[:290], y[:290])
    cold = LogisticRegression(max_iter=1000).fit(X[:300], y[:300])
    warm = fit_estimator(LogisticRegression(max_iter=1000), X[:300], y[:300], previous=previous)
    assert warm.n_iter_[0] < 0.6 * cold.n_iter_[0]
    assert (warm.predict(X) == cold.predict(X)).mean() > 0.99


def test_other_models_and_settings_are_left_to_scikit_learn():
    X, y = make_classification(n_samples=100, n_features=5, random_state=0)
    previous = LogisticRegression().fit(X, y)
    assert can_warm_fit(LogisticRegression(), previous, X)
    assert not can_warm_fit(LogisticRegression(class_weight="balanced"), previous, X)
    assert not can_warm_fit(LogisticRegression(solver="liblinear"), previous, X)
    assert not can_warm_fit(LogisticRegression(), LogisticRegression(), X)  # never fitted
    balanced = fit_estimator(LogisticRegression(class_weight="balanced"), X, y, previous=previous)
    np.testing.assert_allclose(balanced.coef_, LogisticRegression(class_weight="balanced").fit(X, y).coef_)
