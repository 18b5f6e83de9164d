"""auto: the bandit moves its weight to the strategy whose batches teach the model,
says what it chose, and keeps its memory per pool."""

from __future__ import annotations

import numpy as np
from sklearn.datasets import make_classification
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression

from alcore.core.pool import LabelSource, Pool
from alcore.core.strategies import REGISTRY, Query, StrategyInfo, bandit, select


def rigged_arms(y):
    """'teaches' picks rows the model gets wrong (it learns them: reward near 1);
    'repeats' picks rows the model is surest of and right about (reward 0.5)."""

    def teaches(model, pool, batch_size, rng, candidates):
        wrong = model.predict(pool.X[candidates]) != y[candidates]
        scores = wrong + rng.random(len(candidates)) * 0.1
        return Query(candidates[np.argsort(-scores)[:batch_size]], candidates, scores, "teaches")

    def repeats(model, pool, batch_size, rng, candidates):
        proba = model.predict_proba(pool.X[candidates])
        right = model.predict(pool.X[candidates]) == y[candidates]
        scores = proba.max(axis=1) + right
        return Query(candidates[np.argsort(-scores)[:batch_size]], candidates, scores, "repeats")

    return {
        "teaches": StrategyInfo("teaches", teaches, "", True),
        "repeats": StrategyInfo("repeats", repeats, "", True),
    }


def test_weight_moves_to_the_strategy_whose_batches_teach(monkeypatch):
    X, y = make_classification(n_samples=800, n_features=6, n_informative=4, class_sep=0.7, random_state=0)
    for name, info in rigged_arms(y).items():
        monkeypatch.setitem(REGISTRY, name, info)
    monkeypatch.setattr(bandit, "AUTO_ARMS", ("teaches", "repeats"))
    pool = Pool(X, classes=[0, 1])
    pool.teach(np.arange(20), y[:20], LabelSource.INITIAL)
    rng = np.random.default_rng(0)
    notes = []
    for round_number in range(1, 31):
        model = LogisticRegression().fit(pool.X[pool.labeled_mask], pool.label_codes[pool.labeled_mask])
        query = select("auto", model, pool, 5, rng)
        assert query.strategy == "auto"
        notes.append(query.note)
        pool.teach(query.indices, y[query.indices], LabelSource.ORACLE, round_number)
    state = bandit.bandit_state(pool)
    probabilities = dict(zip(state.arms, state.probabilities()))
    assert probabilities["teaches"] > 0.75
    assert state.history[-10:].count("teaches") >= 7
    assert notes[0].startswith("auto chose ") and "earned" in notes[-1]


def test_asking_again_before_an_answer_changes_nothing():
    X, y = make_classification(n_samples=200, n_features=5, random_state=1)
    pool = Pool(X, classes=[0, 1])
    pool.teach(np.arange(20), y[:20])
    model = LogisticRegression().fit(X[:20], y[:20])
    first = select("auto", model, pool, 5, np.random.default_rng(3))
    weights = bandit.bandit_state(pool).log_weights.copy()
    again = select("auto", model, pool, 5, np.random.default_rng(3))
    assert np.array_equal(first.indices, again.indices) and first.note == again.note
    assert np.array_equal(bandit.bandit_state(pool).log_weights, weights)
    assert bandit.bandit_state(Pool(X)) is bandit.bandit_state(pool)  # a pool rebuilt over the same rows
    assert bandit.bandit_state(Pool(X.copy())) is not bandit.bandit_state(pool)  # other features: a new run


def test_strategies_the_model_cannot_serve_are_dropped():
    X, y = make_classification(n_samples=200, n_features=5, random_state=1)
    pool = Pool(X, classes=[0, 1])
    pool.teach(np.arange(20), y[:20])
    forest = RandomForestClassifier(n_estimators=10, random_state=0).fit(X[:20], y[:20])
    for seed in range(12):
        select("auto", forest, pool, 3, np.random.default_rng(seed))
    assert "expected_gradient_length" not in bandit.bandit_state(pool).arms
