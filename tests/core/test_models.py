"""Every named model trains on the tiny, lopsided labeled sets active learning starts from."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_iris

from alcore.core.models import MODELS, SoftmaxSVC, fit_estimator, fit_self_training, make_model


@pytest.mark.parametrize("name", sorted(MODELS))
@pytest.mark.parametrize("sparse", [False, True])
def test_each_model_fits_three_rows_and_gives_probabilities(name, sparse):
    X, y = load_iris(return_X_y=True)
    rows = [0, 1, 60]
    features = sp.csr_matrix(X) if sparse else X
    model = fit_estimator(make_model(name, random_state=0), features[rows], y[rows])
    proba = model.predict_proba(features[:5])
    assert proba.shape == (5, 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)


def test_softmax_svc_ranks_like_its_margins():
    X, y = load_iris(return_X_y=True)
    model = SoftmaxSVC().fit(X, y)
    assert (model.predict_proba(X).argmax(axis=1) == model.decision_function(X).argmax(axis=1)).all()


def test_unknown_model_name_lists_the_choices():
    with pytest.raises(ValueError, match="logreg"):
        make_model("deep_magic")


def test_self_training_gives_each_class_at_most_as_many_guesses_as_labels_its_surest_ones():
    """A lopsided pool: 400 unlabeled rows sure to be class 0, 40 sure to be class 1, 5 labels of each.
    Uncapped, 440 guesses (400 of class 0) would outweigh the 10 labels."""
    rng = np.random.default_rng(0)
    X = np.r_[rng.normal(-3, 1, (405, 2)), rng.normal(3, 1, (45, 2))]
    y = np.full(len(X), -1)
    y[:5], y[405:410] = 0, 1
    model, trained_on = fit_self_training(make_model("logreg", 0), X, y, threshold=0.9)
    guessed = (y < 0) & (trained_on >= 0)
    assert np.bincount(trained_on[guessed], minlength=2).tolist() == [5, 5]
    sureness = make_model("logreg", 0).fit(X[y >= 0], y[y >= 0]).predict_proba(X).max(axis=1)
    for code in (0, 1):
        others = (y < 0) & ~guessed & (X[:, 0] < 0 if code == 0 else X[:, 0] > 0)
        assert sureness[guessed & (trained_on == code)].min() >= sureness[others].max()  # the surest ones
    assert model.n_features_in_ == 2 and hasattr(model, "coef_")  # the refitted model itself
