"""Where alcore and its peers define a strategy the same way, they must give the same answer.

Same fitted model, same labeled rows: alcore's uncertainty strategies pick the
same rows as scikit-activeml's `UncertaintySampling` and score them the same
(hence rank them the same); modAL's uncertainty measures agree too, and vote
entropy agrees with modAL's `vote_entropy` on the same committee. The peers are
test/benchmark dependencies only (the `peers` extra); CI installs them, so
these tests are skipped only on a machine without them.
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression

from alcore.core.pool import LabelSource, Pool
from alcore.core.strategies import select

skactiveml_pool = pytest.importorskip(
    "skactiveml.pool", reason="scikit-activeml not installed (pip install -e '.[peers]')"
)
skactiveml_classifier = pytest.importorskip("skactiveml.classifier")
modal_uncertainty = pytest.importorskip("modAL.uncertainty", reason="modAL not installed (pip install -e '.[peers]')")

MISSING = -1
SKACTIVEML_METHOD = {"least_confidence": "least_confident", "margin": "margin_sampling", "entropy": "entropy"}
BATCH = 25


def labeled_problem(n_classes: int, seed: int = 0, rows: int = 800, labeled: int = 60):
    """(X, y_partial, y): a pool with `labeled` rows labeled (every class present), the rest MISSING."""
    X, y = make_classification(
        n_samples=rows, n_features=12, n_informative=8, n_classes=n_classes, n_clusters_per_class=1, random_state=seed
    )
    rng = np.random.default_rng(seed)
    first_of_each = [int(np.flatnonzero(y == c)[0]) for c in range(n_classes)]
    others = rng.choice(np.setdiff1d(np.arange(rows), first_of_each), size=labeled - n_classes, replace=False)
    labeled_rows = np.concatenate([first_of_each, others])
    y_partial = np.full(rows, MISSING)
    y_partial[labeled_rows] = y[labeled_rows]
    return X, y_partial, y


def fitted_pair(X, y_partial, n_classes: int):
    """scikit-activeml's wrapped classifier and the very same fitted estimator inside it."""
    wrapped = skactiveml_classifier.SklearnClassifier(
        LogisticRegression(max_iter=2000), classes=np.arange(n_classes), missing_label=MISSING
    ).fit(X, y_partial)
    return wrapped, wrapped.estimator_


def alcore_pool(X, y_partial, n_classes: int) -> Pool:
    pool = Pool(X, classes=range(n_classes))
    labeled = np.flatnonzero(y_partial != MISSING)
    pool.record_labels(labeled, y_partial[labeled], LabelSource.INITIAL, 0)
    return pool


@pytest.mark.parametrize("n_classes", [2, 4, 20])  # 20 classes: the np.partition path of the scorers
@pytest.mark.parametrize("name", ["least_confidence", "margin", "entropy"])
def test_uncertainty_picks_and_scores_match_scikit_activeml(name, n_classes):
    X, y_partial, _ = labeled_problem(
        n_classes, rows=1500 if n_classes == 20 else 800, labeled=200 if n_classes == 20 else 60
    )
    wrapped, estimator = fitted_pair(X, y_partial, n_classes)
    pool = alcore_pool(X, y_partial, n_classes)
    candidates = pool.unlabeled_indices()

    sampler = skactiveml_pool.UncertaintySampling(method=SKACTIVEML_METHOD[name], missing_label=MISSING, random_state=0)
    peer_rows, peer_utilities = sampler.query(
        X, y_partial, wrapped, fit_clf=False, candidates=candidates, batch_size=BATCH, return_utilities=True
    )
    query = select(name, estimator, pool, BATCH, np.random.default_rng(0))

    assert set(query.indices.tolist()) == set(peer_rows.tolist())
    np.testing.assert_array_equal(query.candidates, candidates)
    peer_scores = peer_utilities[0][candidates]  # utilities are indexed by pool row, NaN off the candidates
    np.testing.assert_allclose(query.scores, peer_scores, rtol=0, atol=1e-12)
    # Same ranking, not only the same top batch (the scores have no ties on continuous data).
    np.testing.assert_array_equal(np.argsort(-query.scores, kind="stable"), np.argsort(-peer_scores, kind="stable"))


@pytest.mark.parametrize(
    "name, modal_measure, to_alcore",
    [
        ("least_confidence", "classifier_uncertainty", lambda values: values),
        ("margin", "classifier_margin", lambda values: 1.0 - values),  # modAL: p1 - p2, lowest wanted
        ("entropy", "classifier_entropy", lambda values: values),
    ],
)
def test_uncertainty_scores_match_modal(name, modal_measure, to_alcore):
    X, y_partial, _ = labeled_problem(3)
    _, estimator = fitted_pair(X, y_partial, 3)
    pool = alcore_pool(X, y_partial, 3)
    query = select(name, estimator, pool, BATCH, np.random.default_rng(0))
    modal_scores = getattr(modal_uncertainty, modal_measure)(estimator, X[query.candidates])
    np.testing.assert_allclose(query.scores, to_alcore(modal_scores), rtol=0, atol=1e-12)


def test_vote_entropy_matches_modal_on_the_same_committee():
    committee_module = pytest.importorskip(
        "alcore.core.strategies.committee", reason="alcore's qbc strategy not there yet"
    )
    modal_models = pytest.importorskip("modAL.models")
    modal_disagreement = pytest.importorskip("modAL.disagreement")
    X, y_partial, _ = labeled_problem(4, rows=600, labeled=30)  # few labels: the bootstrap members disagree
    _, estimator = fitted_pair(X, y_partial, 4)
    pool = alcore_pool(X, y_partial, 4)

    # The registered strategy draws its committee first thing from the rng it is given,
    # so the same seed rebuilds the very members it voted with.
    query = select("qbc_vote_entropy", estimator, pool, BATCH, np.random.default_rng(7))
    members = committee_module.fit_committee(estimator, pool, np.random.default_rng(7))
    assert len(members) == committee_module.COMMITTEE_SIZE
    committee = modal_models.Committee(
        learner_list=[modal_models.ActiveLearner(estimator=member) for member in members]
    )
    modal_scores = modal_disagreement.vote_entropy(committee, X[query.candidates])

    assert modal_scores.max() > 0.5  # the committee does disagree somewhere, so the check means something
    np.testing.assert_allclose(query.scores, modal_scores, rtol=0, atol=1e-12)
    assert set(query.indices.tolist()) <= set(query.candidates[modal_scores >= np.sort(modal_scores)[-BATCH]].tolist())
