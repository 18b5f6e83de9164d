"""Query by committee: disagreement is zero where the committee agrees, and
members trained without a class still line up with the pool's class codes."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from alcore.core.pool import LabelSource, Pool
from alcore.core.strategies import committee, select


def two_blobs_and_a_middle(seed=0):
    """Labeled rows in two tight blobs at x = -10 and x = +10; candidates far out
    on each side (every member agrees) and on the boundary (members split)."""
    rng = np.random.default_rng(seed)
    labeled = np.concatenate([rng.normal(-10, 1, 15), rng.normal(10, 1, 15)])
    far = np.array([-40.0, -30.0, 30.0, 40.0])
    middle = np.linspace(-0.3, 0.3, 6)
    X = np.concatenate([labeled, far, middle])[:, None]
    pool = Pool(X, classes=[0, 1])
    pool.record_labels(np.arange(30), np.repeat([0, 1], 15), LabelSource.INITIAL)
    return pool, np.arange(30, 34), np.arange(34, 40)


@pytest.mark.parametrize("name", ["qbc_vote_entropy", "qbc_kl"])
def test_members_agree_far_from_the_boundary_and_split_on_it(name):
    pool, far, middle = two_blobs_and_a_middle()
    model = LogisticRegression(C=0.01).fit(pool.X[:30], pool.label_codes[:30])
    for seed in range(3):
        query = select(name, model, pool, 1, np.random.default_rng(seed))
        far_scores, middle_scores = query.score_of(far), query.score_of(middle)
        assert np.all(far_scores < 1e-4)  # nearly certain members: next to no disagreement
        assert middle_scores.max() > 1e-3 and middle_scores.max() > 100 * far_scores.max()
        assert query.indices[0] in middle


def test_vote_entropy_is_the_entropy_of_vote_shares():
    class Fixed:
        def __init__(self, votes):
            self.votes, self.classes_ = np.asarray(votes), np.arange(3)

        def predict(self, X):
            return self.votes

    members = [Fixed([0, 0, 2]), Fixed([0, 1, 2]), Fixed([0, 2, 2]), Fixed([0, 1, 1])]
    shares = committee.member_votes(members, np.zeros((3, 1)), 3)
    np.testing.assert_allclose(shares, [[1, 0, 0], [0.25, 0.5, 0.25], [0, 0.25, 0.75]])


def test_kl_to_consensus_by_hand():
    proba = np.array([[[1.0, 0.0]], [[0.5, 0.5]]])  # two members, one row; consensus (0.75, 0.25)
    expected = (np.log(1 / 0.75) + 0.5 * np.log(0.5 / 0.75) + 0.5 * np.log(0.5 / 0.25)) / 2
    np.testing.assert_allclose(committee.kl_to_consensus(proba), [expected])
    assert committee.kl_to_consensus(np.repeat(proba[:1], 3, axis=0))[0] == 0.0


def test_a_member_missing_a_class_keeps_columns_aligned_to_class_codes():
    """Class code 1 is absent from the member: its probabilities go to columns 0 and 2."""
    X = np.array([[0.0], [1.0], [10.0], [11.0]])
    member = LogisticRegression().fit(X, [0, 0, 2, 2])
    aligned = committee.member_probabilities([member], X, 3)[0]
    np.testing.assert_allclose(aligned[:, 1], 0.0)
    np.testing.assert_allclose(aligned[:, [0, 2]], member.predict_proba(X))


def test_committee_has_the_asked_size_with_two_classes_in_every_resample():
    pool, _, _ = two_blobs_and_a_middle()
    model = LogisticRegression().fit(pool.X[:30], pool.label_codes[:30])
    members = committee.fit_committee(model, pool, np.random.default_rng(0), size=5)
    assert len(members) == 5 and all(m is not model for m in members)
    assert all(len(m.classes_) == 2 for m in members)
    coefs = {round(float(m.coef_[0, 0]), 6) for m in members}
    assert len(coefs) > 1  # resampled, not five copies of one fit
