"""margin_random: the margin's most uncertain rows plus a fixed share of random ones."""

import numpy as np
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression

from alcore.core.pool import Pool
from alcore.core.strategies import select
from alcore.core.strategies.mixed import random_picks_in


def test_two_of_ten_are_random_and_the_rest_are_margins_top_picks():
    X, y = make_classification(400, 5, random_state=0)
    pool = Pool(X, classes=[0, 1])
    labeled = np.r_[0:30]
    pool.record_labels(labeled, y[labeled])
    model = LogisticRegression().fit(X[labeled], y[labeled])
    mixed = select("margin_random", model, pool, 10, np.random.default_rng(0))
    margin = select("margin", model, pool, 10, np.random.default_rng(0))
    assert random_picks_in(10) == 2 and random_picks_in(2) == 0
    np.testing.assert_array_equal(mixed.indices[:8], margin.indices[:8])
    assert not set(mixed.indices[8:]) & set(margin.indices[:8])
    seen_random = {
        tuple(select("margin_random", model, pool, 10, np.random.default_rng(seed)).indices[8:]) for seed in range(5)
    }
    assert len(seen_random) > 1  # the random share follows the generator, the margin part does not
    np.testing.assert_allclose(mixed.scores, margin.scores)
    assert mixed.note == "8 by margin, 2 at random"  # what a labeling project shows as the batch's reason


def test_the_random_share_is_a_setting():
    X, y = make_classification(400, 5, random_state=0)
    pool = Pool(X, classes=[0, 1])
    pool.record_labels(np.r_[0:30], y[:30])
    model = LogisticRegression().fit(X[:30], y[:30])
    margin = select("margin", model, pool, 10, np.random.default_rng(0))
    half = select("margin_random", model, pool, 10, np.random.default_rng(0), random_share=0.5)
    np.testing.assert_array_equal(half.indices[:5], margin.indices[:5])
    assert not set(half.indices[5:]) & set(margin.indices[:5])
