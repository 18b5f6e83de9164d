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
    used = _used_columns(X)
    if used is not None:  # solve for the columns the rows use; the others' weights are 0 at the optimum
        X = X[:, used]
        start = start[:, np.append(used, n_features)] if fit_intercept else start[:, used]
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
    weights = result.x.reshape(n_logits, X.shape[1] + int(fit_intercept))
    if used is not None:
        solved, weights = weights, np.zeros((n_logits, n_features + int(fit_intercept)))
        weights[:, used] = solved[:, : len(used)]
        if fit_intercept:
            weights[:, n_features] = solved[:, len(used)]
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


def _used_columns(X) -> np.ndarray | None:
    """Sorted indices of the columns of a sparse X with a stored value, or None when that is every column
    (or X is dense).

    A column that is zero in every row has no data term in the objective, only λ/2 w², so its weights
    are exactly 0 at the optimum: the solver can leave it out. A few hundred labeled rows of TF-IDF text
    use a third of a 5,000-word vocabulary (1,611 columns of 5,000 for 200 tweets), and L-BFGS-B's own
    work per iteration grows with the number of weights: in a profile of a default comparison on
    20,439 tweets, 6.4 s of the simulations' 11 s of refits were inside the solver (`setulb`), not
    in the loss.
    """
    if not sp.issparse(X):
        return None
    used = np.flatnonzero(np.bincount(X.tocsr().indices, minlength=X.shape[1]))
    return None if len(used) == X.shape[1] else used


class _Design:
    """The rows X with a column of ones when the model fits intercepts, laid out for logits by class.

    Logits are kept as (n_logits, n_rows): each class's row is contiguous, so the per-row max and
    sum over classes are elementwise operations across a few long rows. In the (n_rows, n_logits)
    layout they are reductions over many rows of 26 values, and NumPy took 3 ms for the max alone
    per L-BFGS iteration on 26,000 rows with 26 classes (0.6 ms here). The ones column makes the
    intercepts part of one matrix product instead of a broadcast add and a separate sum.
    """

    def __init__(self, X, fit_intercept: bool):
        n_rows = X.shape[0]
        if sp.issparse(X):
            with_ones = sp.hstack([X, np.ones((n_rows, 1))], format="csr") if fit_intercept else X.tocsr()
            self.rows, self.columns = with_ones, with_ones.T.tocsr()  # (n_rows, n_columns), (n_columns, n_rows)
        else:
            columns = [X.T, np.ones((1, n_rows))] if fit_intercept else [X.T]
            self.columns = np.ascontiguousarray(np.vstack(columns))  # (n_columns, n_rows)
            self.rows = self.columns.T
        self.sparse = sp.issparse(X)

    def logits(self, weights: np.ndarray) -> np.ndarray:
        """W [X 1]ᵀ: (n_logits, n_rows), C-contiguous."""
        if self.sparse:
            return np.ascontiguousarray((self.rows @ weights.T).T)
        return weights @ self.columns

    def gradient(self, residual: np.ndarray) -> np.ndarray:
        """residual (n_logits, n_rows) @ [X 1]: (n_logits, n_columns)."""
        if self.sparse:
            return np.asarray(self.columns @ residual.T).T
        return residual @ self.rows


def _penalty(weights: np.ndarray, l2: float, fit_intercept: bool) -> tuple[float, np.ndarray]:
    """λ/2 |W|² over the coefficients (intercepts unpenalized), and its gradient (n_logits, n_columns)."""
    coef = weights[:, :-1] if fit_intercept else weights
    gradient = l2 * weights
    if fit_intercept:
        gradient[:, -1] = 0.0
    return l2 / 2 * float((coef * coef).sum()), gradient


def _binary_loss_gradient(X, target: np.ndarray, l2: float, fit_intercept: bool):
    n_rows = X.shape[0]
    n_columns = X.shape[1] + int(fit_intercept)
    design = _Design(X, fit_intercept)

    def loss_gradient(flat: np.ndarray):
        weights = flat.reshape(1, n_columns)
        logits = design.logits(weights)[0]
        penalty, penalty_gradient = _penalty(weights, l2, fit_intercept)
        loss = -np.mean(log_expit(logits) * target + log_expit(-logits) * (1 - target)) + penalty
        residual = ((expit(logits) - target) / n_rows)[None, :]
        return loss, (design.gradient(residual) + penalty_gradient).ravel()

    return loss_gradient


def _multinomial_loss_gradient(X, codes: np.ndarray, n_classes: int, l2: float, fit_intercept: bool):
    n_rows = X.shape[0]
    n_columns = X.shape[1] + int(fit_intercept)
    design = _Design(X, fit_intercept)
    picked = codes * n_rows + np.arange(n_rows)  # each row's own class in the flattened (n_classes, n_rows) logits

    def loss_gradient(flat: np.ndarray):
        # Sums instead of np.mean and flat indexing instead of [codes, rows]: on a few hundred rows
        # NumPy's per-call overhead, not arithmetic, is most of an iteration.
        weights = flat.reshape(n_classes, n_columns)
        logits = design.logits(weights)
        top = logits.max(axis=0)
        exp = np.exp(logits - top)
        total = exp.sum(axis=0)
        penalty, penalty_gradient = _penalty(weights, l2, fit_intercept)
        log_likelihood = logits.ravel()[picked].sum() - np.log(total).sum() - top.sum()
        loss = -log_likelihood / n_rows + penalty
        residual = exp * (1.0 / (total * n_rows))
        residual.ravel()[picked] -= 1.0 / n_rows
        return loss, (design.gradient(residual) + penalty_gradient).ravel()

    return loss_gradient
