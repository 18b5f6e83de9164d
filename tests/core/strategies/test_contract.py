"""The contract every registered strategy passes, then what each one is for.

The contract tests are parametrized over `REGISTRY`, so a strategy is tested
the moment its line is added to `alcore.core.strategies.STRATEGIES`.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.metrics.pairwise import euclidean_distances
from sklearn.svm import LinearSVC

from alcore.core.pool import EmptyPoolError, LabelSource, Pool
from alcore.core.strategies import (
    REGISTRY,
    Query,
    base,
    diversity,
    select,
    top_k,
    uncertainty,
)
from alcore.core.strategies import (
    STRATEGIES as STRATEGY_LIST,
)
from alcore.core.strategies.uncertainty import uncertainty_scores
from tests.synthetic import grid_of_clusters

STRATEGIES = sorted(REGISTRY)


@pytest.fixture(scope="module")
def data():
    X, y = make_classification(n_samples=240, n_features=8, n_informative=4, n_classes=3, random_state=0)
    return X, y


@pytest.fixture(scope="module")
def model(data):
    X, y = data
    return LogisticRegression(max_iter=500).fit(X, y)


def model_for(name, model):
    """Cold-start strategies get no model, to prove they need none."""
    return model if REGISTRY[name].needs_model else None


def labeled_pool(X, y, n_labeled=20, sparse=False):
    pool = Pool(sp.csr_matrix(X) if sparse else X, classes=sorted(set(y)))
    pool.record_labels(np.arange(0, 2 * n_labeled, 2), y[: 2 * n_labeled : 2], LabelSource.INITIAL, 0)
    return pool


# -- the contract ------------------------------------------------------------
@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "sparse"])
@pytest.mark.parametrize("name", STRATEGIES)
def test_same_seed_same_batch(name, sparse, data, model):
    X, y = data
    pool = labeled_pool(X, y, sparse=sparse)
    first = select(name, model_for(name, model), pool, 8, np.random.default_rng(7))
    again = select(name, model_for(name, model), pool, 8, np.random.default_rng(7))
    assert np.array_equal(first.indices, again.indices)
    assert np.array_equal(first.scores, again.scores)
    assert first.strategy == name


@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "sparse"])
@pytest.mark.parametrize("name", STRATEGIES)
def test_batch_is_unique_unlabeled_candidates_with_a_score_each(name, sparse, data, model):
    X, y = data
    pool = labeled_pool(X, y, sparse=sparse)
    query = select(name, model_for(name, model), pool, 8, np.random.default_rng(1))
    assert len(query.indices) == 8
    assert len(np.unique(query.indices)) == 8
    assert not pool.labeled_mask[query.indices].any()
    assert np.array_equal(query.candidates, pool.unlabeled_indices())
    assert query.scores.shape == query.candidates.shape
    assert np.isfinite(query.scores).all()
    assert np.array_equal(query.score_of(query.indices), query.scores[np.searchsorted(query.candidates, query.indices)])


@pytest.mark.parametrize("name", STRATEGIES)
def test_a_candidate_subset_of_a_large_pool(name, data, model):
    X, y = data
    pool = labeled_pool(X, y)
    query = select(name, model_for(name, model), pool, 5, np.random.default_rng(3), max_candidates=40)
    assert query.candidates.shape == query.scores.shape == (40,)
    assert np.isin(query.indices, query.candidates).all()
    assert not pool.labeled_mask[query.candidates].any()


@pytest.mark.parametrize("name", STRATEGIES)
def test_a_pool_smaller_than_the_batch_gives_every_row_left(name, data, model):
    X, y = data
    pool = labeled_pool(X, y)
    pool.record_labels(np.arange(len(y))[3:], y[3:], LabelSource.ORACLE, 1)  # rows 0..2: 0 and 2 labeled already
    pool.forget([0, 2])
    query = select(name, model_for(name, model), pool, 10, np.random.default_rng(0))
    assert sorted(query.indices) == [0, 1, 2]


@pytest.mark.parametrize("name", STRATEGIES)
def test_rounds_until_the_pool_is_empty(name, data, model):
    X, y = data
    X, y = X[:60], y[:60]
    pool = labeled_pool(X, y, n_labeled=5)
    rng = np.random.default_rng(11)
    asked = []
    for round_number in range(1, 100):
        if pool.n_unlabeled == 0:
            break
        query = select(name, model_for(name, model), pool, 7, rng)
        assert len(query.indices) == min(7, pool.n_unlabeled)
        assert not pool.labeled_mask[query.indices].any()
        pool.record_labels(query.indices, y[query.indices], LabelSource.ORACLE, round_number)
        asked.extend(query.indices.tolist())
    assert pool.n_unlabeled == 0
    assert len(asked) == len(set(asked)) == 55
    with pytest.raises(EmptyPoolError, match="nothing left"):
        select(name, model_for(name, model), pool, 7, rng)


# -- the shared selector -----------------------------------------------------
def test_top_k_takes_the_largest_largest_first():
    scores = np.array([0.1, 0.9, 0.5, 0.7, 0.3])
    assert top_k(scores, 3, np.random.default_rng(0)).tolist() == [1, 3, 2]
    assert top_k(scores, 9, np.random.default_rng(0)).tolist() == [1, 3, 2, 4, 0]


def test_top_k_breaks_ties_reproducibly_and_at_random():
    scores = np.array([0.2] + [0.5] * 20 + [0.9])
    batches = {tuple(top_k(scores, 4, np.random.default_rng(seed))) for seed in range(20)}
    assert len(batches) > 10  # the tied rows are drawn at random...
    for batch in batches:
        assert batch[0] == 21 and set(batch[1:]) <= set(range(1, 21))  # ...but only among the tied
    same = [tuple(top_k(scores, 4, np.random.default_rng(5))) for _ in range(3)]
    assert len(set(same)) == 1


def test_top_k_treats_nan_as_least_wanted():
    scores = np.array([np.nan, 0.3, np.nan, 0.1])
    assert top_k(scores, 2, np.random.default_rng(0)).tolist() == [1, 3]
    assert sorted(top_k(scores, 3, np.random.default_rng(0))[:2]) == [1, 3]


# -- uncertainty -------------------------------------------------------------
class FixedProba:
    """A 'model' whose probabilities are a hand-made table, looked up by feature 0."""

    def __init__(self, proba):
        self.proba = np.asarray(proba, dtype=float)
        self.classes_ = np.arange(self.proba.shape[1])

    def predict_proba(self, X):
        X = X.toarray() if sp.issparse(X) else X
        return self.proba[X[:, 0].astype(int)]


HAND_MADE = [
    [0.90, 0.05, 0.05],  # 0: sure
    [0.40, 0.40, 0.20],  # 1: a tie at the top: margin 1.0
    [0.34, 0.33, 0.33],  # 2: nearly uniform: highest least-confidence and entropy
    [0.50, 0.50, 0.00],  # 3: a tie at the top: margin 1.0
    [0.60, 0.20, 0.20],  # 4
    [1.00, 0.00, 0.00],  # 5: certain (0 log 0 must count as 0)
]


def hand_made_pool():
    return Pool(np.arange(len(HAND_MADE), dtype=float)[:, None])


def test_least_confidence_on_hand_made_probabilities():
    query = select("least_confidence", FixedProba(HAND_MADE), hand_made_pool(), 2, np.random.default_rng(0))
    assert query.indices.tolist() == [2, 1]
    np.testing.assert_allclose(query.scores, [0.10, 0.60, 0.66, 0.50, 0.40, 0.0])


def test_entropy_on_hand_made_probabilities():
    query = select("entropy", FixedProba(HAND_MADE), hand_made_pool(), 3, np.random.default_rng(0))
    assert query.indices.tolist() == [2, 1, 4]
    P = np.array(HAND_MADE)
    expected = -np.sum(np.where(P > 0, P * np.log(np.where(P > 0, P, 1)), 0), axis=1)
    np.testing.assert_allclose(query.scores, expected)
    assert query.scores[5] == 0.0


def test_margin_on_hand_made_probabilities():
    query = select("margin", FixedProba(HAND_MADE), hand_made_pool(), 2, np.random.default_rng(0))
    assert sorted(query.indices) == [1, 3]
    np.testing.assert_allclose(query.scores, [0.15, 1.0, 0.99, 1.0, 0.6, 0.0])


@pytest.mark.parametrize("n_classes", [2, 3, 16, 17, 40])
def test_row_reductions_agree_with_a_sort_for_few_and_many_classes(n_classes):
    """Few classes take a column loop, many take np.partition: same answers, ties included."""
    rng = np.random.default_rng(n_classes)
    proba = rng.dirichlet(np.ones(n_classes), size=200)
    proba[:20, :2] = proba[:20, :2].sum(axis=1, keepdims=True) / 2  # ties at the top
    proba[20:30] = np.eye(n_classes)[0]  # certain rows with zeros
    ordered = np.sort(proba, axis=1)
    np.testing.assert_allclose(uncertainty.top_two_gap(proba), ordered[:, -1] - ordered[:, -2])
    np.testing.assert_allclose(uncertainty.least_confidence_from_proba(proba), 1 - ordered[:, -1])
    safe = np.where(proba > 0, proba, 1)
    np.testing.assert_allclose(uncertainty.entropy_from_proba(proba), -np.sum(proba * np.log(safe), axis=1), atol=1e-12)
    assert np.all(uncertainty.entropy_from_proba(proba)[20:30] == 0)


@pytest.fixture(scope="module")
def boundary_at_zero():
    """A binary logistic model on data symmetric about x = 0: its boundary is x = 0."""
    x = np.linspace(0.5, 4.0, 40)
    X = np.concatenate([-x, x])[:, None]
    y = np.repeat([0, 1], 40)
    return LogisticRegression().fit(X, y)


def test_margin_picks_the_rows_nearest_the_decision_boundary(boundary_at_zero):
    x = np.array([-3.0, -0.1, 2.5, 0.05, 1.5, -2.0, 0.2, 4.0, -0.6, 0.9])
    query = select("margin", boundary_at_zero, Pool(x[:, None]), 3, np.random.default_rng(0))
    assert query.indices.tolist() == [3, 1, 6]  # x = 0.05, -0.1, 0.2: nearest first


def test_margin_falls_back_to_the_decision_function_binary():
    X, y = make_classification(n_samples=120, n_features=5, random_state=1)
    svm = LinearSVC().fit(X, y)
    assert not hasattr(svm, "predict_proba")
    query = select("margin", svm, Pool(X), 5, np.random.default_rng(0))
    expected = np.argsort(np.abs(svm.decision_function(X)))[:5]
    assert query.indices.tolist() == expected.tolist()
    np.testing.assert_allclose(query.scores, -np.abs(svm.decision_function(X)))


def test_margin_falls_back_to_the_decision_function_multiclass(data):
    X, y = data
    svm = LinearSVC().fit(X, y)
    query = select("margin", svm, Pool(sp.csr_matrix(X)), 5, np.random.default_rng(0))
    decision = np.sort(svm.decision_function(X), axis=1)
    gap = decision[:, -1] - decision[:, -2]
    assert query.indices.tolist() == np.argsort(gap)[:5].tolist()
    np.testing.assert_allclose(query.scores, -gap)


@pytest.mark.parametrize("name", ["least_confidence", "entropy"])
def test_probability_strategies_say_what_to_do_without_probabilities(name, data):
    X, y = data
    with pytest.raises(ValueError, match="margin"):
        select(name, LinearSVC().fit(X, y), Pool(X), 5, np.random.default_rng(0))


@pytest.mark.parametrize("every", [1, 5], ids=["most of the pool: windows", "a sparse subset: copies"])
@pytest.mark.parametrize("measure", ["least_confidence", "margin", "entropy"])
def test_scoring_in_chunks_equals_scoring_at_once(measure, every, data, model):
    X, y = data
    rows = labeled_pool(X, y).unlabeled_indices()[::every]
    whole = uncertainty_scores(model, X, rows, measure)
    np.testing.assert_allclose(uncertainty_scores(model, X, rows, measure, chunk_rows=7), whole)
    np.testing.assert_allclose(base.predict_proba(model, X, rows, chunk_rows=7), model.predict_proba(X[rows]))


@pytest.mark.parametrize("chunk_rows", [1, 3, 16, 1000])
def test_row_chunks_cover_each_row_once(chunk_rows):
    X = np.arange(100, dtype=float)[:, None]
    rng = np.random.default_rng(chunk_rows)
    for rows in (np.arange(100), np.arange(10, 60), np.sort(rng.choice(100, 70, replace=False)), np.array([3, 50, 97])):
        covered = []
        for start, stop, features, keep in base.iter_row_chunks(X, rows, chunk_rows):
            chunk = features if keep is None else features[keep]
            assert chunk[:, 0].tolist() == rows[start:stop].tolist()
            assert len(features) <= max(chunk_rows, stop - start)
            covered.extend(range(start, stop))
        assert covered == list(range(len(rows)))


# -- diversity ---------------------------------------------------------------
COLD_START = sorted(name for name, info in REGISTRY.items() if not info.needs_model and name != "random")


@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "sparse"])
@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("name", COLD_START)
def test_a_cold_start_batch_hits_every_well_separated_cluster(name, seed, sparse):
    X, cluster = grid_of_clusters(seed=seed)
    pool = Pool(sp.csr_matrix(X) if sparse else X)
    query = select(name, None, pool, 9, np.random.default_rng(seed))
    assert sorted(cluster[query.indices]) == list(range(9))


def test_kcenter_avoids_clusters_already_labeled():
    X, cluster = grid_of_clusters()
    pool = Pool(X)
    labeled = np.flatnonzero(cluster < 4)[::3]
    pool.record_labels(labeled, ["seen"] * len(labeled))
    query = select("kcenter", None, pool, 5, np.random.default_rng(0))
    assert sorted(cluster[query.indices]) == [4, 5, 6, 7, 8]
    distances = euclidean_distances(X[query.candidates], X[labeled]).min(axis=1)
    np.testing.assert_allclose(query.scores, distances, atol=1e-6)


@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "sparse"])
def test_nearest_center_distances_in_small_blocks(sparse, data):
    X, _ = data
    rows, centers = np.arange(0, 240, 2), np.arange(1, 60, 2)
    got = diversity.nearest_center_sq_distances(
        sp.csr_matrix(X) if sparse else X, rows, centers, block_rows=17, block_centers=5
    )
    expected = euclidean_distances(X[rows], X[centers], squared=True).min(axis=1)
    np.testing.assert_allclose(got, expected, atol=1e-9)


@pytest.mark.parametrize("step", [5, 1], ids=["few candidates: copied", "most of the pool: whole X"])
def test_kcenter_is_farthest_first(step, data):
    """Both ways of projecting candidates agree with a brute-force farthest-first."""
    X, y = data
    pool = labeled_pool(X, y)
    candidates = pool.unlabeled_indices()[::step]
    picks, _ = diversity.farthest_first(X, candidates, pool.labeled_indices(), 6, np.random.default_rng(0))
    centers = list(X[pool.labeled_indices()])
    expected = []
    for _ in range(6):
        distances = euclidean_distances(X[candidates], np.array(centers)).min(axis=1)
        distances[expected] = -1
        expected.append(int(np.argmax(distances)))
        centers.append(X[candidates[expected[-1]]])
    assert picks.tolist() == expected


def test_diverse_margin_spreads_a_batch_over_clusters_of_doubt():
    """Three identical doubts at one place, three slightly smaller ones elsewhere (a shortlist of
    3 x the batch holds both): margin asks twice about the first place, diverse_margin once about each."""
    proba = [[0.5, 0.5]] * 3 + [[0.55, 0.45]] * 3 + [[0.95, 0.05]] * 40
    position = np.repeat([0.0, 100.0, 200.0], [3, 3, 40])
    X = np.column_stack([np.arange(46), position])
    group = np.repeat([0, 1, 2], [3, 3, 40])
    model = FixedProba(proba)
    for seed in range(3):
        plain = select("margin", model, Pool(X), 2, np.random.default_rng(seed))
        diverse = select("diverse_margin", model, Pool(X), 2, np.random.default_rng(seed))
        assert group[plain.indices].tolist() == [0, 0]
        assert group[diverse.indices].tolist() == [0, 1]
        np.testing.assert_allclose(diverse.scores, plain.scores)


def test_score_of_refuses_rows_that_were_not_candidates():
    query = Query(np.array([3]), np.array([1, 3, 5]), np.array([0.1, 0.9, 0.5]), "test")
    assert query.score_of(np.array([5, 1])).tolist() == [0.5, 0.1]
    with pytest.raises(ValueError):
        query.score_of(np.array([4]))
    with pytest.raises(ValueError):
        query.score_of(np.array([9]))


@pytest.mark.parametrize("name", STRATEGIES)
def test_settings_are_json_and_unknown_ones_are_refused(name, data, model):
    X, y = data
    settings = REGISTRY[name].defaults
    assert json.loads(json.dumps(settings)) == {
        key: list(v) if isinstance(v, tuple) else v for key, v in settings.items()
    }
    with pytest.raises(ValueError, match="has no setting 'no_such_setting'"):
        select(name, model_for(name, model), labeled_pool(X, y), 3, np.random.default_rng(0), no_such_setting=1)


def test_the_list_of_strategies_is_the_registry():
    assert [info.name for info in STRATEGY_LIST] == list(REGISTRY)
    assert len(set(REGISTRY)) == len(STRATEGY_LIST)


def test_every_shipped_strategy_has_a_plain_name_shown_beside_its_code_name():
    from alcore.core.strategies import PLAIN_NAMES, STRATEGIES, strategy_label

    assert set(PLAIN_NAMES) == {info.name for info in STRATEGIES}
    assert strategy_label("eer_log_loss") == "Expected error reduction, log loss (eer_log_loss)"
    assert strategy_label("margin + semi-supervised") == "Margin + semi-supervised (margin + semi-supervised)"
    assert strategy_label("my_own") == "my_own"
