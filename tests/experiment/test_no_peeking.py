"""A spy strategy proves what a strategy may see in a simulation: the training rows, and
only the labels the oracle has revealed. Negative controls: a strategy better on every
seed is declared the winner, pure-noise labels give no winner, a worse one is called worse."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import make_classification

from alcore.core.pool import UNLABELED
from alcore.core.strategies import REGISTRY, Query, StrategyInfo
from alcore.experiment.metrics import summarize
from alcore.experiment.simulation import compare, simulate, split_for_simulation
from alcore.io.datasets import load_demo, to_features


def test_no_held_out_row_or_unrevealed_label_ever_reaches_a_strategy(monkeypatch):
    X, y = make_classification(n_samples=240, n_features=5, n_informative=3, random_state=0)
    X = np.column_stack([X, np.arange(len(y))])  # the last column names each row
    calls = []

    def spy(model, pool, batch_size, rng, candidates):
        ids = pool.X[:, -1].astype(int)
        labeled = pool.labeled_mask
        calls.append(
            {
                "rows": ids.copy(),
                "hidden_codes": pool.label_codes[~labeled].copy(),
                "labeled": ids[labeled],
                "codes": pool.label_codes[labeled].copy(),
                "candidates": ids[candidates],
                "trained_on": int(model.n_features_in_) if model is not None else None,
            }
        )
        return REGISTRY["random"].function(model, pool, batch_size, rng, candidates)

    monkeypatch.setitem(REGISTRY, "spy", StrategyInfo("spy", spy, "records what it is shown", True))
    for seed in (0, 1):
        calls.clear()
        simulate(X, y, "spy", seed=seed, initial=10, batch_size=10, budget=70, test_size=0.25)
        train, test, _ = split_for_simulation(y, seed, 0.25, 10)
        assert len(calls) == 6
        for number, call in enumerate(calls):
            assert set(call["rows"]) == set(train) and not set(call["rows"]) & set(test)
            assert (call["hidden_codes"] == UNLABELED).all()  # no unrevealed label is readable
            assert len(call["labeled"]) == 10 + 10 * number  # revealed only as batches are asked
            np.testing.assert_array_equal(call["codes"], y[call["labeled"]])
            assert not set(call["candidates"]) & set(call["labeled"])


def noise(n_rows=600, seed=0):
    """Features with labels unrelated to them."""
    X, _ = make_classification(n_samples=n_rows, n_features=8, random_state=seed)
    return X, np.random.default_rng(seed).integers(0, 2, size=n_rows)


def surest(model, pool, batch_size, rng, candidates):
    """The rows the model is surest of: they teach it least, so a strategy worse than random."""
    scores = model.predict_proba(pool.X[candidates]).max(axis=1)
    return Query(candidates[np.argsort(-scores, kind="stable")[:batch_size]], candidates, scores, "surest")


@pytest.fixture(scope="module")
def six_seed_comparison():
    """margin and surest against random on digits (1,797 rows, 10 classes), 6 seeds."""
    digits = load_demo("digits")
    REGISTRY["surest"] = StrategyInfo("surest", surest, "the rows the model is surest of", True)
    try:
        return compare(
            to_features(digits),
            digits.labels().to_numpy(),
            ["margin", "surest"],
            seeds=6,
            initial=20,
            batch_size=20,
            budget=300,
            n_jobs=1,
        )
    finally:
        del REGISTRY["surest"]


def test_negative_control_a_strategy_better_on_every_seed_wins(six_seed_comparison):
    summary = summarize(six_seed_comparison, target=0.95, relative=True).set_index("strategy")
    assert summary.loc["margin", "verdict"] == "win"
    assert summary.loc["margin", "p_value_raw"] == pytest.approx(1 / 64)  # fewer labels on each of the 6 seeds


def test_negative_control_a_worse_strategy_is_called_worse(six_seed_comparison):
    summary = summarize(six_seed_comparison, target=0.95, relative=True).set_index("strategy")
    assert summary.loc["surest", "verdict"] == "random_better"


def test_negative_control_pure_noise_labels_give_no_winner():
    X, y = noise()
    comparison = compare(X, y, ["margin", "entropy"], seeds=6, initial=10, batch_size=10, budget=150, n_jobs=1)
    summary = summarize(comparison, target=0.55).set_index("strategy")
    assert not summary["beats_random"].any()
