"""Stopping rules fire exactly when their condition holds."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from alcore.core.stopping import (
    StoppingRule,
    StopTracker,
    plateaued,
    prediction_agreement,
)


def test_plateau_needs_k_rounds_without_gain():
    assert not plateaued([0.5, 0.6, 0.7], rounds=2, delta=0.01)
    assert plateaued([0.5, 0.7, 0.705, 0.7], rounds=2, delta=0.01)
    assert not plateaued([0.7, 0.7], rounds=2, delta=0.01)


@given(st.lists(st.floats(0, 1), min_size=1, max_size=30), st.integers(1, 5))
def test_plateau_never_fires_while_the_best_keeps_rising_by_more_than_delta(history, rounds):
    rising = list(np.cumsum(np.full(len(history), 0.1)))
    assert not plateaued(rising, rounds, delta=0.05)


def test_agreement_is_the_share_of_equal_predictions():
    assert prediction_agreement(np.array([1, 2, 3, 4]), np.array([1, 2, 0, 4])) == 0.75


class _Learner:
    is_cold_ = False

    def __init__(self, predictions):
        self.predictions = predictions

    def predict(self, pool, rows):
        return self.predictions[rows]


def test_stable_predictions_stop_after_k_agreeing_models():
    tracker = StopTracker(StoppingRule(stable_rounds=2, stable_agreement=0.99), n_rows=50, seed=0)
    constant = _Learner(np.zeros(50))
    record = {"accuracy": 0.5, "n_labeled": 10}
    assert tracker.update(record, _Learner(np.arange(50)), None) == ""
    assert tracker.update(record, constant, None) == ""
    assert tracker.update(record, constant, None) == ""
    assert tracker.update(record, constant, None).startswith("stable predictions")


def test_budget_takes_the_tighter_limit():
    assert StoppingRule(budget=100).with_budget(50).budget == 50
    assert StoppingRule().with_budget(None).budget is None
    assert StoppingRule(budget=30).labels_left(25) == 5
