"""Refitting a logistic regression from the last round's weights: the same optimum, a fraction of the time.

Each round of active learning adds a few labels to a few hundred and refits.
For scikit-learn's L2 logistic regression with the L-BFGS solver, the fit is
the minimum of a strictly convex function, so the solver may start anywhere
and ends at the same weights (within its tolerance). Starting from the last
round's weights halves the iterations; and a profile of `compare` on digits
showed that most of a small fit is not the iterations at all but input and
label checks around them (a fit that starts at its optimum still took 13 ms),
which a refit of rows the loop already checked does not need. `warm_fit`
minimizes scikit-learn's own objective with the same solver settings, in
NumPy, and fills in the same fitted attributes, so the result is an ordinary
fitted `LogisticRegression` (predict, predict_proba, pickling, export).

scikit-learn's objective, with n rows and λ = 1 / (C n), intercepts unpenalized:
- two classes: mean(log(1 + exp(z)) - y z) + λ/2 |w|², z = X w + b;
- more: mean(logsumexp(Z) - Z[y]) + λ/2 |W|², Z = X Wᵀ + b, W: (n_classes, n_features).
"""

from __future__ import annotations

import warnings

import numpy as np
import scipy.sparse as sp
from scipy import optimize
from scipy.special import expit, log_expit
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression


def can_warm_fit(estimator, previous, X) -> bool:
    """Whether `estimator` can be refitted here from `previous` (the last round's fitted model) on X.

    Only a plain `LogisticRegression` with the L-BFGS solver and an L2 penalty
    (no class weights), on a NumPy array or a SciPy sparse matrix, after a
    fitted one: any other model is fitted by scikit-learn as usual. (Attributes
    are read directly: `get_params` inspects signatures, 1 ms a call.)
    """
    return (
        type(estimator) is LogisticRegression
        and type(previous) is LogisticRegression
        and hasattr(previous, "coef_")
        and (isinstance(X, np.ndarray) or sp.issparse(X))
        and estimator.solver == "lbfgs"
        and estimator.penalty in ("deprecated", "l2")
        and estimator.l1_ratio in (0, None)
        and estimator.class_weight is None
        and np.isfinite(estimator.C)
    )


def warm_fit(estimator: LogisticRegression, X, y: np.ndarray, previous: LogisticRegression) -> LogisticRegression:
    """Fit `estimator` on X: (n_rows, n_features) dense or CSR, y: (n_rows,) with at least two classes,
    starting from `previous`'s weights for the classes both know (zeros for a new class).

    Same objective, solver and stopping rule as scikit-learn (L-BFGS-B, gtol = tol,
    maxls = 50); returns `estimator`, fitted.
    """
    classes, codes = np.unique(y, return_inverse=True)
    binary = len(classes) == 2
    n_rows, n_features = X.shape
    n_logits = 1 if binary else len(classes)
    fit_intercept = estimator.fit_intercept
    start = _starting_weights(previous, classes, n_logits, n_features, fit_intercept)
    l2 = 1.0 / (estimator.C * n_rows)
    if binary:
        loss_gradient = _binary_loss_gradient(X, codes.astype(np.float64), l2, fit_intercept)
    else:
        loss_gradient = _multinomial_loss_gradient(X, codes, len(classes), l2, fit_intercept)
    result = optimize.minimize(
        loss_gradient,
        start.ravel(),
        method="L-BFGS-B",
        jac=True,
        options={"maxiter": estimator.max_iter, "maxls": 50, "gtol": estimator.tol, "ftol": 64 * np.finfo(float).eps},
    )
    if result.status == 1:
        warnings.warn(
            f"lbfgs stopped after max_iter={estimator.max_iter} iterations without converging; "
            "raise max_iter or scale the features.",
            ConvergenceWarning,
            stacklevel=2,
        )
    weights = result.x.reshape(n_logits, n_features + int(fit_intercept))
    estimator.classes_ = classes
    estimator.n_features_in_ = n_features
    estimator.coef_ = np.ascontiguousarray(weights[:, :n_features])
    estimator.intercept_ = weights[:, n_features].copy() if fit_intercept else np.zeros(n_logits)
    estimator.n_iter_ = np.array([result.nit], dtype=np.int32)
    return estimator


def _starting_weights(previous, classes, n_logits: int, n_features: int, fit_intercept: bool) -> np.ndarray:
    """(n_logits, n_features [+ 1]): previous's weights (and intercepts) for the classes it knew."""
    start = np.zeros((n_logits, n_features + int(fit_intercept)))
    old = np.column_stack([previous.coef_, previous.intercept_]) if fit_intercept else previous.coef_
    if previous.coef_.shape[1] != n_features:
        return start
    if np.array_equal(previous.classes_, classes):
        return old.copy()
    if n_logits > 1 and len(previous.classes_) > 2:  # a new class: keep the others' rows
        rows = np.searchsorted(classes, previous.classes_)
        known = (rows < len(classes)) & (classes[np.minimum(rows, len(classes) - 1)] == previous.classes_)
        start[rows[known]] = old[known]
    return start


def _linear(X, weights: np.ndarray, fit_intercept: bool) -> np.ndarray:
    """X Wᵀ (+ b): (n_rows, n_logits)."""
    if fit_intercept:
        return np.asarray(X @ weights[:, :-1].T) + weights[:, -1]
    return np.asarray(X @ weights.T)


def _weight_gradient(X, residual: np.ndarray, weights: np.ndarray, l2: float, fit_intercept: bool) -> np.ndarray:
    """Gradient of mean loss + λ/2 |W|² from the residual (n_rows, n_logits) = dloss/dlogits / n_rows."""
    coef_gradient = np.asarray(X.T @ residual).T if sp.issparse(X) else residual.T @ X
    if not fit_intercept:
        return coef_gradient + l2 * weights
    return np.column_stack([coef_gradient + l2 * weights[:, :-1], residual.sum(axis=0)])


def _binary_loss_gradient(X, target: np.ndarray, l2: float, fit_intercept: bool):
    n_rows = X.shape[0]
    n_columns = X.shape[1] + int(fit_intercept)

    def loss_gradient(flat: np.ndarray):
        weights = flat.reshape(1, n_columns)
        logits = _linear(X, weights, fit_intercept)[:, 0]
        coef = weights[:, :-1] if fit_intercept else weights
        loss = -np.mean(log_expit(logits) * target + log_expit(-logits) * (1 - target)) + l2 / 2 * np.sum(coef**2)
        residual = ((expit(logits) - target) / n_rows)[:, None]
        return loss, _weight_gradient(X, residual, weights, l2, fit_intercept).ravel()

    return loss_gradient


def _multinomial_loss_gradient(X, codes: np.ndarray, n_classes: int, l2: float, fit_intercept: bool):
    n_rows = X.shape[0]
    n_columns = X.shape[1] + int(fit_intercept)
    picked = np.arange(n_rows) * n_classes + codes  # each row's own class in the flattened logits

    def loss_gradient(flat: np.ndarray):
        # Sums instead of np.mean and flat indexing instead of [rows, codes]: on a few hundred rows
        # NumPy's per-call overhead, not arithmetic, is most of an iteration.
        weights = flat.reshape(n_classes, n_columns)
        logits = _linear(X, weights, fit_intercept)
        top = logits.max(axis=1, keepdims=True)
        exp = np.exp(logits - top)
        total = exp.sum(axis=1, keepdims=True)
        coef = weights[:, :-1] if fit_intercept else weights
        log_likelihood = logits.ravel()[picked].sum() - np.log(total).sum() - top.sum()
        loss = -log_likelihood / n_rows + l2 / 2 * (coef * coef).sum()
        residual = exp * (1.0 / (total * n_rows))
        residual.ravel()[picked] -= 1.0 / n_rows
        return loss, _weight_gradient(X, residual, weights, l2, fit_intercept).ravel()

    return loss_gradient
