"""Expected error reduction: the Newton refits equal scikit-learn's refits, other
models are really refitted, and only a capped random subset is scored."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import GaussianNB
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from alcore.core.pool import LabelSource, Pool
from alcore.core.strategies import error_reduction, logistic_refit, select


def labeled_pool(n_classes, n_rows=160, n_labeled=30, seed=1):
    X, y = make_classification(n_samples=n_rows, n_features=5, n_informative=3, n_classes=n_classes, random_state=seed)
    pool = Pool(X, classes=range(n_classes))
    pool.record_labels(np.arange(n_labeled), y[:n_labeled], LabelSource.INITIAL)
    return X, y, pool


def refitted_expected_loss(model, X, labeled_rows, labels, row, evaluation, loss):
    """What EER means, written out: refit with (x, y) for each y, average the loss on the evaluation rows."""
    total = 0.0
    p = model.predict_proba(X[[row]])[0]
    for column, label in enumerate(model.classes_):
        refit = (
            LogisticRegression(**model.get_params()).fit(
                np.vstack([X[labeled_rows], X[[row]]]), np.append(labels, label)
            )
            if isinstance(model, LogisticRegression)
            else GaussianNB().fit(np.vstack([X[labeled_rows], X[[row]]]), np.append(labels, label))
        )
        P = refit.predict_proba(X[evaluation])
        total += p[column] * error_reduction.expected_loss(P, loss)
    return -total


@pytest.mark.parametrize("loss", ["log", "zero_one"])
@pytest.mark.parametrize("n_classes", [2, 3])
def test_newton_refits_equal_scikit_learn_refits(n_classes, loss):
    X, y, pool = labeled_pool(n_classes)
    model = LogisticRegression(max_iter=5000, tol=1e-10).fit(X[:30], y[:30])
    candidates, evaluation = np.arange(40, 52), np.arange(60, 160)
    fast = error_reduction.newton_refit_losses(model, X, np.arange(30), candidates, evaluation, loss)
    slow = error_reduction.refit_losses(model, pool, np.arange(30), candidates, evaluation, loss, seed=0)
    np.testing.assert_allclose(fast, slow, atol=1e-6)


def test_a_scaled_pipeline_is_refitted_on_its_last_step():
    X, y, pool = labeled_pool(3)
    model = make_pipeline(StandardScaler(), LogisticRegression(tol=1e-10, max_iter=5000)).fit(X[:30] * 7, y[:30])
    scaled = model[0].transform(X * 7)
    fast = error_reduction.newton_refit_losses(
        model, X * 7, np.arange(30), np.arange(40, 46), np.arange(60, 160), "log"
    )
    slow = error_reduction.newton_refit_losses(
        model[-1], scaled, np.arange(30), np.arange(40, 46), np.arange(60, 160), "log"
    )
    np.testing.assert_allclose(fast, slow)


@pytest.mark.parametrize("name,loss", [("eer_log_loss", "log"), ("eer_zero_one", "zero_one")])
def test_scores_are_minus_the_expected_loss_after_refitting(name, loss):
    """Both paths (Newton for logistic regression, real refits for naive Bayes) against the definition."""
    X, y, pool = labeled_pool(3, n_rows=60)
    for model in (LogisticRegression(max_iter=5000, tol=1e-10).fit(X[:30], y[:30]), GaussianNB().fit(X[:30], y[:30])):
        query = select(name, model, pool, 3, np.random.default_rng(0), eval_rows=1000)  # every candidate: no sampling
        candidates = pool.unlabeled_indices()
        for row in candidates[:4]:
            expected = refitted_expected_loss(model, X, np.arange(30), y[:30], row, candidates, loss)
            np.testing.assert_allclose(query.score_of(np.array([row]))[0], expected, atol=1e-6)


@pytest.mark.parametrize("batch_size", [3, 15])
def test_only_a_capped_subset_is_scored_and_only_it_is_chosen(batch_size):
    X, y, pool = labeled_pool(3)
    model = LogisticRegression(max_iter=1000).fit(X[:30], y[:30])
    query = select("eer_log_loss", model, pool, batch_size, np.random.default_rng(0), scored_candidates=10)
    floor = query.scores.min()
    scored = query.scores > floor
    assert scored.sum() == max(10, batch_size)
    assert np.isfinite(query.scores).all() and query.scores.shape == query.candidates.shape
    assert scored[np.searchsorted(query.candidates, query.indices)].all()


def confident_pool(seed=0, n_rows=400):
    """3 well-separated classes x 20 features, 60 labels, a weakly regularized fit: every prediction is confident."""
    X, y = make_classification(
        n_samples=n_rows, n_features=20, n_informative=10, n_classes=3, class_sep=3.0, random_state=seed
    )
    pool = Pool(X, classes=range(3))
    pool.record_labels(np.arange(60), y[:60], LabelSource.INITIAL)
    model = LogisticRegression(C=10.0, max_iter=10000, tol=1e-10).fit(X[:60], y[:60])
    return X, y, pool, model


def test_damped_newton_matches_scikit_learn_when_labels_contradict_confident_predictions():
    # Plain Newton steps overshot here: 58 of 90 (candidate, label) refits off by more than 1e-3.
    X, y, pool, model = confident_pool()
    candidates, evaluation = np.arange(100, 130), np.arange(200, 400)
    wrong = (model.predict(X[candidates])[:, None] != np.arange(3)).sum()
    assert wrong == 60  # two of each candidate's three labels contradict a confident prediction
    fast = error_reduction.newton_refit_losses(model, X, np.arange(60), candidates, evaluation, "log")
    slow = error_reduction.refit_losses(model, pool, np.arange(60), candidates, evaluation, "log", seed=0)
    assert not np.isnan(fast).any()
    np.testing.assert_allclose(fast, slow, atol=1e-4)


def test_a_refit_that_does_not_converge_falls_back_to_scikit_learn(monkeypatch):
    X, y, pool, model = confident_pool(1, n_rows=80)
    candidates, evaluation = np.arange(60, 70), np.arange(60, 80)
    monkeypatch.setattr(logistic_refit, "NEWTON_STEPS", 1)  # one step cannot reach these optima
    fast = error_reduction.newton_refit_losses(model, X, np.arange(60), candidates, evaluation, "log")
    assert np.isnan(fast).all(axis=1).any()  # said plainly, not a wrong number
    query = select("eer_log_loss", model, pool, 3, np.random.default_rng(0), eval_rows=1000)
    unlabeled = pool.unlabeled_indices()
    for row in unlabeled[:3]:
        expected = refitted_expected_loss(model, X, np.arange(60), y[:60], row, unlabeled, "log")
        np.testing.assert_allclose(query.score_of(np.array([row]))[0], expected, atol=1e-4)
