"""Models by name, and fitting that copes with the tiny labeled sets of active learning.

Any scikit-learn classifier or pipeline works wherever a model is asked for;
the names here are the ones the app and the command line offer.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import GaussianNB
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.svm import SVC
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import ThreadpoolController

from alcore.core.warm_logistic import can_warm_fit, warm_fit


def _densify(X):
    return X.toarray() if sp.issparse(X) else X


def _dense_first(estimator):
    """Models that cannot read sparse text features get a densifying step."""
    return make_pipeline(FunctionTransformer(_densify, accept_sparse=True), estimator)


class SoftmaxSVC(ClassifierMixin, BaseEstimator):
    """An RBF support vector machine whose `predict_proba` is a softmax of its margins.

    scikit-learn's calibrated probabilities need several labeled rows per
    class (cross-validation), which active learning does not have early on.
    A softmax of the one-vs-rest decision values ranks rows the same way as
    the margins do, which is what uncertainty sampling needs; the values are
    not calibrated probabilities.
    """

    def __init__(self, C: float = 1.0, gamma="scale", random_state=None):
        self.C = C
        self.gamma = gamma
        self.random_state = random_state

    def fit(self, X, y):
        self.svc_ = SVC(C=self.C, gamma=self.gamma, decision_function_shape="ovr", random_state=self.random_state).fit(
            X, y
        )
        self.classes_ = self.svc_.classes_
        return self

    def decision_function(self, X):
        check_is_fitted(self)
        return self.svc_.decision_function(X)

    def predict_proba(self, X):
        margins = self.decision_function(X)
        if margins.ndim == 1:
            margins = np.column_stack([-margins, margins])
        margins = margins - margins.max(axis=1, keepdims=True)
        weights = np.exp(margins)
        return weights / weights.sum(axis=1, keepdims=True)

    def predict(self, X):
        return self.svc_.predict(X)


@dataclass(frozen=True)
class ModelChoice:
    description: str
    build: Callable[[int | None], BaseEstimator]


MODELS: dict[str, ModelChoice] = {
    "logreg": ModelChoice(
        "Logistic regression: fast, well-calibrated, a strong default.",
        lambda seed: LogisticRegression(max_iter=1000, random_state=seed),
    ),
    "naive_bayes": ModelChoice(
        "Gaussian naive Bayes: very fast, good with few labels.",
        lambda seed: _dense_first(GaussianNB()),
    ),
    "random_forest": ModelChoice(
        "Random forest: non-linear, robust to unscaled and mixed features.",
        lambda seed: RandomForestClassifier(n_estimators=100, random_state=seed),
    ),
    "hist_gradient_boosting": ModelChoice(
        "Histogram gradient boosting: strong on larger tables, slower to retrain.",
        lambda seed: _dense_first(HistGradientBoostingClassifier(random_state=seed)),
    ),
    "svm_rbf": ModelChoice(
        "Support vector machine with an RBF kernel: good on small, dense data.",
        lambda seed: SoftmaxSVC(random_state=seed),
    ),
    "knn": ModelChoice(
        "k nearest neighbours (k=5): simple, no training, slow on huge pools.",
        lambda seed: KNeighborsClassifier(n_neighbors=5),
    ),
}

DEFAULT_MODEL = "logreg"


def make_model(model: str | BaseEstimator = DEFAULT_MODEL, random_state: int | None = None) -> BaseEstimator:
    """A fresh, unfitted estimator: a registered name, or a clone of the given one."""
    if isinstance(model, str):
        try:
            return MODELS[model].build(random_state)
        except KeyError:
            known = ", ".join(MODELS)
            raise ValueError(f"Unknown model {model!r}. Choose one of: {known}.") from None
    estimator = clone(model)
    if "random_state" in estimator.get_params():
        estimator.set_params(random_state=random_state)
    return estimator


def _fit_few_rows(estimator: BaseEstimator, n_labeled: int) -> None:
    """Shrink k-NN's k to the labeled rows when fewer than k are labeled (it cannot fit otherwise)."""
    if isinstance(estimator, KNeighborsClassifier) and estimator.n_neighbors > n_labeled:
        estimator.set_params(n_neighbors=n_labeled)


@functools.cache
def _threadpools() -> ThreadpoolController:
    """The BLAS and OpenMP libraries loaded in this process, found once.

    `threadpool_limits(...)` looks them all up again on every call: 9 ms a
    fit, a tenth of `compare`'s time in a profile on digits.
    """
    return ThreadpoolController()


def one_blas_thread():
    """A context in which BLAS runs on one thread (see `fit_estimator`)."""
    return _threadpools().limit(limits=1, user_api="blas")


def fit_estimator(estimator: BaseEstimator, X, y, previous: BaseEstimator | None = None) -> BaseEstimator:
    """Fit on the labeled rows, shrinking k-NN's k when fewer rows than k are labeled.

    previous: the model fitted on this pool's labels in the last round, if
    any; a logistic regression starts its solver from it (same optimum,
    about a tenth of the time: `alcore.core.warm_logistic`), other models
    ignore it. The labeled set is small, and on a busy 2-core machine two
    BLAS threads made a logistic fit on 100 rows take 0.49 s instead of
    0.018 s (measured in the labeling benchmark), so fits run on one BLAS thread.
    """
    _fit_few_rows(estimator, len(y))
    with one_blas_thread():
        if previous is not None and len(np.unique(y)) >= 2 and can_warm_fit(estimator, previous, X):
            return warm_fit(estimator, X, np.asarray(y), previous)
        return estimator.fit(X, y)


def fit_self_training(
    estimator: BaseEstimator, X, y, threshold: float = 0.9, previous: BaseEstimator | None = None
) -> tuple[BaseEstimator, np.ndarray]:
    """Fit `estimator` on the labeled rows plus, per class, the unlabeled rows it is surest belong to that class.

    X: (n_rows, n_features), labeled and unlabeled rows; y: (n_rows,) class codes, -1 for the rows nobody
    labeled (`Pool.label_codes`). One round of self-training: fit on the labeled rows; among the unlabeled
    rows whose likeliest class has probability >= threshold, give each class at most as many as it has
    labels (its surest ones), with that class as their label; fit again on both. The cap keeps the guesses
    from outnumbering the labels: uncapped, thousands of guesses, mostly of the class the model was already
    surest of, drowned a hundred labels, and on the real data sets of `benchmarks/bench_savings.py` credit
    and police stops needed more labels than random; with the cap the semi-supervised line saved 1.64x
    instead of 1.11x (README, "Labels saved on real data"). One round, not until nothing changes: each later
    round feeds the model its own mistakes again (confirmation bias) and costs another fit.
    previous: last round's fitted model, to start the solver from (see `fit_estimator`).
    Returns the refitted model and the (n_rows,) codes it was trained on: y with the guesses filled in.
    """
    y = np.asarray(y)
    labeled = np.flatnonzero(y >= 0)
    model = fit_estimator(estimator, X[labeled], y[labeled], previous=previous)
    trained_on = pseudo_labels(model, X, y, threshold)
    rows = np.flatnonzero(trained_on >= 0)
    if len(rows) == len(labeled):
        return model, trained_on
    return fit_estimator(clone(estimator), X[rows], trained_on[rows], previous=model), trained_on


def pseudo_labels(model: BaseEstimator, X, y, threshold: float = 0.9) -> np.ndarray:
    """y with the guesses self-training trusts filled in: `fit_self_training`'s choice of which guesses to use.

    model: fitted on the labeled rows of X; y: (n_rows,) class codes, -1 unlabeled. Among the unlabeled rows
    whose likeliest class has probability >= threshold, each class gets at most as many as it has labels, its
    surest ones. Kept apart from the fit because it is the part a trial swaps (`benchmarks/savings_trials.py`
    measures other choices against it).
    """
    y = np.asarray(y)
    labeled, unlabeled = np.flatnonzero(y >= 0), np.flatnonzero(y < 0)
    trained_on = y.copy()
    if not len(unlabeled):
        return trained_on
    with one_blas_thread():
        proba = model.predict_proba(X[unlabeled])
    guesses, sureness = model.classes_[proba.argmax(axis=1)], proba.max(axis=1)
    classes, label_counts = np.unique(y[labeled], return_counts=True)
    for code, count in zip(classes, label_counts):
        sure = np.flatnonzero((guesses == code) & (sureness >= threshold))
        surest = sure[np.argsort(-sureness[sure], kind="stable")[:count]]
        trained_on[unlabeled[surest]] = code
    return trained_on
