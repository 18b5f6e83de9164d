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
from alcore.core.strategies import REGISTRY, Query, StrategyInfo, bandit, new_memory, select


def rigged_arms(misleading: np.ndarray):
    """'teaches' picks rows whose labels are true; 'misleads' picks rows whose labels are
    coin flips (learning them teaches nothing about the rows held out)."""

    def teaches(model, pool, batch_size, rng, candidates):
        scores = ~misleading[candidates] + rng.random(len(candidates)) * 0.1
        return Query(candidates[np.argsort(-scores)[:batch_size]], candidates, scores, "teaches")

    def misleads(model, pool, batch_size, rng, candidates):
        scores = misleading[candidates] + rng.random(len(candidates)) * 0.1
        return Query(candidates[np.argsort(-scores)[:batch_size]], candidates, scores, "misleads")

    return {
        "teaches": StrategyInfo("teaches", teaches, "", True),
        "misleads": StrategyInfo("misleads", misleads, "", True),
    }


def test_weight_moves_to_the_strategy_whose_batches_teach():
    X, y = make_classification(n_samples=800, n_features=6, n_informative=4, class_sep=1.0, random_state=0)
    misleading = np.zeros(len(y), dtype=bool)
    misleading[np.random.default_rng(0).choice(np.arange(20, 800), 400, replace=False)] = True
    oracle = np.where(misleading, 1 - y, y)
    memory = bandit.start_bandit({"arms": ("teaches", "misleads")}, rigged_arms(misleading))
    pool = Pool(X, classes=[0, 1])
    pool.record_labels(np.arange(20), y[:20], LabelSource.INITIAL)
    rng = np.random.default_rng(0)
    notes = []
    for round_number in range(1, 31):
        model = LogisticRegression().fit(pool.X[pool.labeled_mask], pool.label_codes[pool.labeled_mask])
        query = select("auto", model, pool, 5, rng, memory=memory)
        assert query.strategy == "auto"
        notes.append(query.note)
        pool.record_labels(query.indices, oracle[query.indices], LabelSource.ORACLE, round_number)
    probabilities = dict(zip(memory.arm_names, memory.probabilities(exploration=0.2)))
    # Honest rewards are small (a few accuracy points a batch), so the weight moves slowly but surely.
    assert probabilities["teaches"] > 0.6
    assert memory.history[-10:].count("teaches") >= 6
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
    memory = new_memory("auto", arms=["margin", "diverse_margin", "expected_gradient_length"])
    for seed in range(12):
        select("auto", forest, pool, 3, np.random.default_rng(seed), memory=memory)
    assert "expected_gradient_length" not in memory.arm_names


def mean_reward(model, n_earlier: int, n_batch: int, noise: bool, seeds: int) -> float:
    """holdout_gain of a batch over several random draws: n_earlier true labels, then a batch of
    n_batch rows labeled truly or (noise) by coin flips."""
    X, y = make_classification(n_samples=600, n_features=6, n_informative=4, random_state=2)
    rewards = []
    for seed in range(seeds):
        rng = np.random.default_rng(seed)
        pool = Pool(X, classes=[0, 1])
        earlier = rng.choice(600, size=n_earlier, replace=False)
        pool.record_labels(earlier, y[earlier])
        batch = rng.choice(np.setdiff1d(np.arange(600), earlier), size=n_batch, replace=False)
        pool.record_labels(batch, rng.integers(0, 2, size=n_batch) if noise else y[batch])
        gain, before, after = bandit.holdout_gain(model, pool, batch)
        assert 0 <= before <= 1 and 0 <= after <= 1 and gain == after - before
        rewards.append(gain)
    return float(np.mean(rewards))


def test_a_noise_batch_earns_about_nothing_with_a_forest():
    # Rewarded on the batch itself, a forest that memorises it earned 0.46 on average here.
    forest = RandomForestClassifier(n_estimators=30, random_state=0)
    assert abs(mean_reward(forest, 80, 20, noise=True, seeds=8)) < 0.05


def test_an_informative_batch_earns_a_reward():
    assert mean_reward(LogisticRegression(), 24, 60, noise=False, seeds=5) > 0.03


def test_exp3_divides_the_reward_by_the_probability_and_keeps_exploring():
    memory = bandit.start_bandit({"arms": ("margin", "entropy", "least_confidence", "badge")}, REGISTRY)
    bandit.reward_arm(memory, "entropy", 0.3, 0.25, learning_rate=0.5)
    assert memory.log_weights[1] == 0.5 * 0.3 / 0.25
    memory.log_weights[:] = [50.0, 0.0, 0.0, 0.0]  # one arm far ahead
    probabilities = memory.probabilities(exploration=0.2)
    assert abs(probabilities.sum() - 1) < 1e-12
    np.testing.assert_allclose(probabilities[1:], 0.2 / 4)  # never starved
