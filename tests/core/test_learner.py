"""The ActiveLearner: a scikit-learn estimator that queries, learns from people's labels, and predicts."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_digits, load_iris
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from alcore.core.learner import ActiveLearner
from alcore.core.pool import EmptyPoolError, LabelSource, Pool


@pytest.fixture(scope="module")
def iris():
    return load_iris(return_X_y=True)


def test_learner_is_cold_until_two_classes_are_labeled(iris):
    X, y = iris
    pool = Pool(X, classes=[0, 1, 2])
    learner = ActiveLearner("logreg", "margin", batch_size=5, random_state=0).fit(pool)
    assert learner.is_cold_ and learner.estimator_ is None
    first = learner.query(pool)
    assert first.strategy == "random"
    learner.teach(pool, [0, 60], [0, 1])
    assert not learner.is_cold_
    assert learner.query(pool).strategy == "margin"
    assert learner.round_ == 1
    assert set(pool.label_source[[0, 60]]) == {LabelSource.PERSON}


def test_learner_accepts_any_pipeline_and_predicts_in_pool_class_order(iris):
    X, y = iris
    pool = Pool(X, classes=["setosa", "versicolor", "virginica"])
    names = np.array(pool.classes, dtype=object)
    rows = np.r_[0:10, 50:60, 100:110]
    pipeline = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500))
    learner = ActiveLearner(pipeline, "entropy", batch_size=3, random_state=1).fit(pool)
    learner.teach(pool, rows, names[y[rows]])
    proba = learner.predict_proba(pool)
    assert proba.shape == (150, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert (learner.predict(pool) == names[y]).mean() > 0.9


def test_learner_raises_when_the_pool_is_exhausted(iris):
    X, y = iris
    pool = Pool(X[:12], classes=[0, 1, 2])
    learner = ActiveLearner("naive_bayes", "least_confidence", batch_size=5, random_state=0).fit(pool)
    while pool.n_unlabeled:
        rows = learner.query(pool).indices
        learner.teach(pool, rows, y[rows])
    with pytest.raises(EmptyPoolError):
        learner.query(pool)


def test_learner_probabilities_follow_the_order_of_the_rows_asked(iris):
    X, y = iris
    pool = Pool(X, classes=[0, 1, 2])
    rows = np.r_[0:5, 50:55, 100:105]
    learner = ActiveLearner("logreg", random_state=0).fit(pool)
    learner.teach(pool, rows, y[rows])
    asked = np.array([120, 3, 77, 10])
    np.testing.assert_allclose(learner.predict_proba(pool, asked), learner.predict_proba(pool)[asked])


def test_get_params_set_params_and_clone_follow_scikit_learn(iris):
    X, y = iris
    learner = ActiveLearner(
        "logreg", "qbc_vote_entropy", batch_size=4, random_state=3, strategy_params={"n_members": 3}
    )
    params = learner.get_params()
    assert params["strategy"] == "qbc_vote_entropy" and params["strategy_params"] == {"n_members": 3}
    assert learner.set_params(batch_size=7) is learner and learner.batch_size == 7
    pool = Pool(X, classes=[0, 1, 2])
    pool.record_labels([0, 60, 120], y[[0, 60, 120]])
    learner.fit(pool)
    fresh = clone(learner)
    assert fresh.get_params() == learner.get_params()
    assert not hasattr(fresh, "estimator_") and not hasattr(fresh, "rng_")
    # A clone is the same run again: same parameters, same seed, same batch.
    fresh.fit(pool)
    again = clone(learner).fit(pool)
    assert fresh.query(pool).indices.tolist() == again.query(pool).indices.tolist()


@pytest.mark.parametrize("call", ["query", "predict", "predict_proba", "teach"])
def test_using_a_learner_before_fit_raises_not_fitted(call, iris):
    X, _ = iris
    pool = Pool(X, classes=[0, 1, 2])
    learner = ActiveLearner()
    arguments = {"teach": (pool, [0], [0])}.get(call, (pool,))
    with pytest.raises(NotFittedError):
        getattr(learner, call)(*arguments)


def test_fitted_attributes_end_in_an_underscore(iris):
    X, y = iris
    pool = Pool(X, classes=[0, 1, 2])
    pool.record_labels([0, 60], y[[0, 60]])
    learner = ActiveLearner(random_state=0)
    before = set(vars(learner))
    learner.fit(pool)
    assert {name for name in set(vars(learner)) - before if not name.endswith("_")} == set()


def test_strategy_settings_are_checked_at_fit_and_passed_to_the_strategy(iris):
    X, y = iris
    pool = Pool(X, classes=[0, 1, 2])
    pool.record_labels(np.r_[0:5, 50:55, 100:105], y[np.r_[0:5, 50:55, 100:105]])
    with pytest.raises(ValueError, match="n_members"):
        ActiveLearner(strategy="margin", strategy_params={"n_members": 3}).fit(pool)
    lone = ActiveLearner(strategy="qbc_vote_entropy", strategy_params={"n_members": 1}, random_state=0).fit(pool)
    assert lone.strategy_settings() == {"n_members": 1}
    assert lone.query(pool).scores.max() == 0.0  # one member always agrees with itself
    assert ActiveLearner(strategy="qbc_vote_entropy", random_state=0).fit(pool).query(pool).scores.max() > 0


def test_semi_supervised_learner_learns_from_confident_unlabeled_rows_without_labeling_them(iris):
    X, y = iris
    pool = Pool(X, classes=[0, 1, 2])
    rows = np.r_[0:3, 50:53, 100:103]
    learner = ActiveLearner("logreg", "margin", random_state=0, semi_supervised=True, confidence_threshold=0.6)
    learner.fit(pool).teach(pool, rows, y[rows], LabelSource.ORACLE)
    assert pool.n_labeled == len(rows)  # the guesses never become labels in the pool
    assert learner.query(pool).strategy == "margin"
    plain = ActiveLearner("logreg", "margin", random_state=0).fit(pool)
    assert not np.allclose(plain.predict_proba(pool), learner.predict_proba(pool))


def test_warm_started_refits_give_curves_within_noise_of_cold_refits():
    """Same seeds, same loop: refitting from last round's weights changes no curve beyond noise."""
    X, y = load_digits(return_X_y=True)
    X = X / 16

    def curve(warm_start: bool, seed: int) -> list[float]:
        pool = Pool(X[:1200], classes=range(10))
        first = np.random.default_rng(seed).choice(1200, size=20, replace=False)
        pool.record_labels(first, y[first], LabelSource.INITIAL)
        learner = ActiveLearner("logreg", "margin", 10, random_state=seed, warm_start=warm_start).fit(pool)
        scores = []
        for _ in range(15):
            rows = learner.query(pool).indices
            learner.teach(pool, rows, y[rows], LabelSource.ORACLE)
            scores.append((learner.estimator_.predict(X[1200:]) == y[1200:]).mean())
        return scores

    warm = np.array([curve(True, seed) for seed in range(3)])
    cold = np.array([curve(False, seed) for seed in range(3)])
    assert np.abs(warm - cold).max() < 0.03  # a few test rows, never a different curve
    assert abs(warm.mean() - cold.mean()) < 0.01
