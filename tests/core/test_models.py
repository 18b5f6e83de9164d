"""Every named model trains on the tiny, lopsided labeled sets active learning starts from."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_iris

from alcore.core.models import MODELS, SoftmaxSVC, fit_estimator, make_model


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
