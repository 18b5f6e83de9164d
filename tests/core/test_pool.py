"""Property tests for the Pool's invariants (issue 2, "Pool")."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from alcore.core.pool import UNLABELED, LabelSource, Pool

CLASSES = ["cat", "dog", "bird", 7]


@st.composite
def pools(draw):
    """A small pool (dense or sparse) with some rows already labeled."""
    n_rows = draw(st.integers(1, 30))
    seed = draw(st.integers(0, 2**32 - 1))
    X = np.random.default_rng(seed).normal(size=(n_rows, 3))
    if draw(st.booleans()):
        X[X < 0] = 0.0
        X = sp.csr_matrix(X)
    pool = Pool(X, classes=CLASSES[:2])
    rows = draw(st.lists(st.integers(0, n_rows - 1), unique=True, max_size=n_rows))
    pool.record_labels(rows, [draw(st.sampled_from(CLASSES)) for _ in rows], LabelSource.INITIAL, 0)
    return pool


def dense(X):
    return X.toarray() if sp.issparse(X) else np.array(X)


def some_rows(draw, pool):
    return draw(st.lists(st.integers(0, len(pool) - 1), unique=True, max_size=len(pool)))


def state(pool):
    return pool.label_codes.copy(), pool.label_round.copy(), pool.label_source.copy()


@settings(max_examples=60, deadline=None)
@given(pools(), st.data())
def test_a_row_is_never_both_labeled_and_unlabeled(pool, data):
    for _ in range(3):
        rows = some_rows(data.draw, pool)
        if data.draw(st.booleans()):
            pool.record_labels(rows, [data.draw(st.sampled_from(CLASSES)) for _ in rows], LabelSource.ORACLE, 1)
        else:
            pool.forget(rows)
        labeled, unlabeled = pool.labeled_indices(), pool.unlabeled_indices()
        assert np.intersect1d(labeled, unlabeled).size == 0
        assert np.array_equal(np.union1d(labeled, unlabeled), np.arange(len(pool)))
        assert pool.n_labeled + pool.n_unlabeled == len(pool)
        assert np.all(pool.label_source[unlabeled] == None)  # noqa: E711 (object array)
        assert np.all(pool.label_round[unlabeled] == -1)


@settings(max_examples=60, deadline=None)
@given(pools(), st.data())
def test_recording_and_forgetting_labels_never_change_X(pool, data):
    X_before = dense(pool.X)
    X_object = pool.X
    rows = some_rows(data.draw, pool)
    pool.record_labels(rows, [data.draw(st.sampled_from(CLASSES)) for _ in rows], LabelSource.PERSON, 2)
    pool.forget(some_rows(data.draw, pool))
    assert pool.X is X_object
    assert np.array_equal(dense(pool.X), X_before)


@settings(max_examples=60, deadline=None)
@given(pools(), st.data())
def test_forget_undoes_recording_labels_of_unlabeled_rows(pool, data):
    before = state(pool)
    unlabeled = pool.unlabeled_indices()
    rows = data.draw(st.lists(st.sampled_from(unlabeled), unique=True)) if len(unlabeled) else []
    pool.record_labels(rows, [data.draw(st.sampled_from(CLASSES)) for _ in rows], LabelSource.ORACLE, 3)
    assert np.all(pool.label_codes[rows] != UNLABELED)
    pool.forget(rows)
    for after, was in zip(state(pool), before):
        assert np.array_equal(after, was)


@settings(max_examples=60, deadline=None)
@given(pools())
def test_class_counts_sum_to_the_labeled_rows(pool):
    counts = pool.class_counts()
    assert sum(counts.values()) == pool.n_labeled
    assert list(counts) == pool.classes
    assert set(pool.labeled_classes()) == {value for value, count in counts.items() if count}
    assert len(pool.labels()) == pool.n_labeled


@settings(max_examples=60, deadline=None)
@given(pools(), st.data())
def test_a_copy_is_independent(pool, data):
    twin = pool.copy()
    original = state(pool)
    rows = some_rows(data.draw, pool)
    twin.record_labels(rows, ["new class"] * len(rows), LabelSource.PERSON, 9)
    twin.forget(some_rows(data.draw, pool))
    for after, was in zip(state(pool), original):
        assert np.array_equal(after, was)
    assert "new class" not in pool.classes
    assert twin.X is pool.X
    # and the other way round
    twin_state = state(twin)
    pool.forget(np.arange(len(pool)))
    for after, was in zip(state(twin), twin_state):
        assert np.array_equal(after, was)


def test_record_labels_refuses_a_row_twice_and_rows_out_of_range():
    pool = Pool(np.zeros((4, 2)))
    with pytest.raises(ValueError):
        pool.record_labels([1, 1], ["a", "b"])
    with pytest.raises(IndexError):
        pool.record_labels([4], ["a"])
    with pytest.raises(ValueError):
        pool.record_labels([0], [None])
    assert pool.n_labeled == 0


def test_forget_refuses_rows_outside_the_pool():
    pool = Pool(np.zeros((5, 2)), classes=["a"])
    pool.record_labels([4], ["a"])
    with pytest.raises(IndexError):
        pool.forget([-1])
    assert pool.labeled_indices().tolist() == [4]
