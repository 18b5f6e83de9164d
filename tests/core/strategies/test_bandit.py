"""auto: the bandit moves its weight to the strategy whose batches teach the model,
says what it chose, and keeps its memory in an object its caller holds."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression

from alcore.core.learner import ActiveLearner
from alcore.core.pool import LabelSource, Pool
from alcore.core.strategies import Query, StrategyInfo, bandit, new_memory, select


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


def test_weight_moves_to_the_strategy_whose_batches_teach():
    X, y = make_classification(n_samples=800, n_features=6, n_informative=4, class_sep=0.7, random_state=0)
    memory = bandit.start_bandit({"arms": ("teaches", "repeats")}, rigged_arms(y))
    pool = Pool(X, classes=[0, 1])
    pool.record_labels(np.arange(20), y[:20], LabelSource.INITIAL)
    rng = np.random.default_rng(0)
    notes = []
    for round_number in range(1, 31):
        model = LogisticRegression().fit(pool.X[pool.labeled_mask], pool.label_codes[pool.labeled_mask])
        query = select("auto", model, pool, 5, rng, memory=memory)
        assert query.strategy == "auto"
        notes.append(query.note)
        pool.record_labels(query.indices, y[query.indices], LabelSource.ORACLE, round_number)
    probabilities = dict(zip(memory.arm_names, memory.probabilities(exploration=0.2)))
    assert probabilities["teaches"] > 0.75
    assert memory.history[-10:].count("teaches") >= 7
    assert notes[0].startswith("auto chose ") and "earned" in notes[-1]


def test_asking_again_before_an_answer_changes_nothing():
    X, y = make_classification(n_samples=200, n_features=5, random_state=1)
    pool = Pool(X, classes=[0, 1])
    pool.record_labels(np.arange(20), y[:20])
    model = LogisticRegression().fit(X[:20], y[:20])
    memory = new_memory("auto")
    first = select("auto", model, pool, 5, np.random.default_rng(3), memory=memory)
    weights = memory.log_weights.copy()
    again = select("auto", model, pool, 5, np.random.default_rng(3), memory=memory)
    assert np.array_equal(first.indices, again.indices) and first.note == again.note
    assert np.array_equal(memory.log_weights, weights)


def test_the_learner_keeps_the_memory_across_refits_and_a_clone_starts_afresh():
    from sklearn.base import clone

    X, y = make_classification(n_samples=300, n_features=5, random_state=2)
    pool = Pool(X, classes=[0, 1])
    pool.record_labels(np.arange(20), y[:20], LabelSource.INITIAL)
    learner = ActiveLearner(strategy="auto", batch_size=5, random_state=0).fit(pool)
    memory = learner.memory_
    for _ in range(4):
        query = learner.query(pool)
        learner.teach(pool, query.indices, y[query.indices], LabelSource.ORACLE)
    assert learner.memory_ is memory and memory.pulls.sum() == 4
    assert not hasattr(clone(learner), "memory_")


def test_two_learners_on_one_pool_do_not_share_a_memory():
    X, y = make_classification(n_samples=300, n_features=5, random_state=2)
    pool = Pool(X, classes=[0, 1])
    pool.record_labels(np.arange(20), y[:20], LabelSource.INITIAL)
    one = ActiveLearner(strategy="auto", random_state=0).fit(pool)
    other = ActiveLearner(strategy="auto", random_state=0).fit(pool)
    one.query(pool)
    assert one.memory_.pulls.sum() == 1 and other.memory_.pulls.sum() == 0


def test_the_arms_are_a_setting_and_unknown_ones_are_named():
    memory = new_memory("auto", arms=["margin", "kcenter", "entropy"])
    assert memory.arm_names == ["margin", "entropy"]  # kcenter needs no model: not an arm
    with pytest.raises(ValueError, match="no_such_strategy"):
        new_memory("auto", arms=["margin", "no_such_strategy"])


def test_strategies_the_model_cannot_serve_are_dropped():
    X, y = make_classification(n_samples=200, n_features=5, random_state=1)
    pool = Pool(X, classes=[0, 1])
    pool.record_labels(np.arange(20), y[:20])
    forest = RandomForestClassifier(n_estimators=10, random_state=0).fit(X[:20], y[:20])
    memory = new_memory("auto")
    for seed in range(12):
        select("auto", forest, pool, 3, np.random.default_rng(seed), memory=memory)
    assert "expected_gradient_length" not in memory.arm_names
