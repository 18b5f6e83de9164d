"""Expected error reduction: ask about the row whose label would most lower the expected error.

Roy & McCallum (2001): for a candidate x, imagine each label y in turn,
retrain on labeled ∪ {(x, y)}, and measure the retrained model's expected
loss on the unlabeled pool under its own beliefs; weight by p(y | x):

    score(x) = - Σ_y p(y|x) · mean_u loss(P_{x,y}(· | u)),
    log loss:  loss(P) = -Σ_c P_c log P_c   (`eer_log_loss`),
    0/1 loss:  loss(P) = 1 - max_c P_c      (`eer_zero_one`).

That is n_classes refits per candidate, so two caps keep it finite:
EER_EVAL_ROWS pool rows (a random sample) measure the loss, and only a random
subsample of the candidates is scored: EER_MAX_CANDIDATES of them (at least
batch_size). Candidates left unscored get a finite score one below the lowest
scored one, so they are never chosen before a scored row while every
candidate still has a score (the strategy contract).

How the retrained models are obtained:
- an unweighted L2 logistic regression (the default `logreg`, also as the
  last step of a pipeline, whose earlier steps are then held fixed) with at
  most EER_SHORTCUT_MAX_PARAMS weights is refitted by Newton's method from
  its fitted weights, every (x, y) of a block at once in NumPy: the same
  optimum scikit-learn would reach (tested to 1e-7), without a fit call each;
- any other model (or a wide one, e.g. text) is refitted with scikit-learn (a
  clone, same random_state per query), so only EER_REFIT_CANDIDATES
  candidates are scored.
Measured on 2 shared cores: see tests/test_strategies_error_reduction.py and
the timing noted in the project's strategy report.
"""

from __future__ import annotations

import warnings

import numpy as np
import scipy.sparse as sp

from alcore.models import fit_estimator, make_model
from alcore.strategies.base import Query, register, top_k
from alcore.strategies.last_layer import final_estimator, is_plain_logistic, last_layer_features

EER_MAX_CANDIDATES = 200
"""Candidates scored per query with the Newton refit (the rest are not chosen)."""

EER_REFIT_CANDIDATES = 50
"""Candidates scored per query when each (x, y) needs a real refit."""

EER_EVAL_ROWS = 500
"""Unlabeled pool rows, drawn at random, on which the expected loss is measured."""

EER_SHORTCUT_MAX_PARAMS = 128
"""Largest logistic model (logit columns x inputs) refitted by batched Newton steps;
each (x, y) needs its own Hessian, so the cost grows with the square of this."""

CANDIDATE_BLOCK = 16
"""Candidates per block of Newton refits: a block holds 16 x classes Hessians and
16 x classes x 500 x classes evaluation probabilities."""

NEWTON_STEPS = 12
"""Most Newton steps from the fitted weights to each enlarged fit (usually 3-6 suffice)."""


def expected_loss(proba: np.ndarray, loss: str) -> np.ndarray:
    """(..., n_eval, n_classes) -> (...,) mean loss of the predicted distributions."""
    if loss == "log":
        log_proba = np.log(proba, out=np.zeros(proba.shape), where=proba > 0)
        return -(proba * log_proba).sum(axis=-1).mean(axis=-1)
    return (1.0 - proba.max(axis=-1)).mean(axis=-1)


def _dense(features) -> np.ndarray:
    return features.toarray() if sp.issparse(features) else np.asarray(features, dtype=np.float64)


def _with_intercept(model, features) -> np.ndarray:
    """Last-layer features as dense rows, with a column of ones when the model fits an intercept."""
    dense = _dense(last_layer_features(model, features))
    if final_estimator(model).fit_intercept:
        dense = np.hstack([dense, np.ones((len(dense), 1))])
    return dense


def _curvature(proba: np.ndarray, binary: bool) -> np.ndarray:
    """(..., n_classes) -> (..., k, k) Hessian of the loss in the logits: diag(p) - p pᵀ, or p(1-p)."""
    if binary:
        return (proba[..., 1] * proba[..., 0])[..., None, None]
    return proba[..., :, None] * np.eye(proba.shape[-1]) - proba[..., :, None] * proba[..., None, :]


def _probabilities(logits: np.ndarray, binary: bool) -> np.ndarray:
    """(..., k) logits -> (..., n_classes) probabilities (sigmoid for one binary logit)."""
    if binary:
        positive = 1.0 / (1.0 + np.exp(-logits))
        return np.concatenate([1.0 - positive, positive], axis=-1)
    logits = logits - logits.max(axis=-1, keepdims=True)
    proba = np.exp(logits)
    return proba / proba.sum(axis=-1, keepdims=True)


def _outer_products(features: np.ndarray) -> list[tuple[slice, np.ndarray]]:
    """Rows' x xᵀ flattened, (rows, D²), in chunks of at most ~4 million floats."""
    n_rows, n_inputs = features.shape
    chunk = max(1, 4_000_000 // (n_inputs * n_inputs))
    return [(slice(start, start + chunk),
             (features[start : start + chunk, :, None] * features[start : start + chunk, None, :]).reshape(-1, n_inputs**2))
            for start in range(0, n_rows, chunk)]


def _hessians(curvature: np.ndarray, outer_products) -> np.ndarray:
    """Σ_i S_i ⊗ x_i x_iᵀ per hypothesis: curvature (c, y, n, k, k) -> (c, y, k, D, k, D), by matmul."""
    by_row = curvature.transpose(0, 1, 3, 4, 2)  # (c, y, k, k, n)
    total = sum(by_row[..., rows] @ products for rows, products in outer_products)
    n_inputs = int(round(np.sqrt(total.shape[-1])))
    return total.reshape(*total.shape[:4], n_inputs, n_inputs).transpose(0, 1, 2, 4, 3, 5)


def newton_refit_losses(model, X, labeled: np.ndarray, candidates: np.ndarray, evaluation: np.ndarray,
                        loss: str) -> np.ndarray:
    """(len(candidates), n_classes) expected loss after adding (x, y), refitted by Newton's method.

    The enlarged objective (logistic loss on labeled ∪ {(x, y)} plus the
    model's L2 penalty, intercept unpenalized) is minimized from the fitted
    weights θ* for every (x, y) of a block at once: batched Hessians
    (k·D x k·D each) and solves, up to NEWTON_STEPS steps or until the step is
    below 1e-7. The labeled rows' gradient at θ* is zero (the fit's optimum),
    so only its change is summed; no per-row loop, no scikit-learn refit.
    """
    final = final_estimator(model)
    binary = len(final.classes_) == 2
    n_logits = 1 if binary else len(final.classes_)
    labeled_inputs = last_layer_features(model, X[labeled])
    features = _with_intercept(model, X[labeled])
    n_inputs = features.shape[1]
    labeled_logits = final.decision_function(labeled_inputs).reshape(len(labeled), n_logits)
    labeled_proba = _probabilities(labeled_logits, binary)[..., -n_logits:]
    penalty = np.full(n_inputs, 1.0 / final.C)
    if final.fit_intercept:
        penalty[-1] = 0.0
    # The multinomial intercepts share one flat direction (adding a constant to every
    # class changes no probability); a tiny ridge keeps each Hessian invertible.
    ridge = np.diag(np.tile(penalty, n_logits) + 1e-9)
    evaluation_features = _with_intercept(model, X[evaluation])
    evaluation_logits = final.decision_function(last_layer_features(model, X[evaluation]))
    evaluation_logits = evaluation_logits.reshape(len(evaluation), n_logits)
    candidate_features = _with_intercept(model, X[candidates])
    candidate_logits = final.decision_function(last_layer_features(model, X[candidates]))
    candidate_logits = candidate_logits.reshape(len(candidates), n_logits)
    targets = np.eye(len(final.classes_))[:, 1:] if binary else np.eye(n_logits)  # e_y per label y
    outer_products = _outer_products(features)
    losses = np.empty((len(candidates), len(final.classes_)))
    for start in range(0, len(candidates), CANDIDATE_BLOCK):
        block = slice(start, start + CANDIDATE_BLOCK)
        x = candidate_features[block]
        step = np.zeros((len(x), len(targets), n_logits, n_inputs))  # Δθ per (candidate, label)
        for _ in range(NEWTON_STEPS):
            weights_by_input = step.transpose(0, 1, 3, 2)  # (c, y, D, k): the products below are matmuls
            labeled_now = _probabilities(labeled_logits + features @ weights_by_input, binary)
            own = _probabilities(candidate_logits[block, None, :] + np.einsum("ca,cyka->cyk", x, step), binary)
            change = (labeled_now[..., -n_logits:] - labeled_proba).transpose(0, 1, 3, 2)
            gradient = change @ features + step * penalty \
                + (own[..., -n_logits:] - targets)[..., None] * x[:, None, None, :]
            hessian = _hessians(_curvature(labeled_now, binary), outer_products)
            hessian = hessian + np.einsum("cykl,ca,cb->cykalb", _curvature(own, binary), x, x)
            size = n_logits * n_inputs
            hessian = hessian.reshape(len(x), len(targets), size, size) + ridge
            delta = np.linalg.solve(hessian, gradient.reshape(len(x), len(targets), size, 1))
            step -= delta.reshape(step.shape)
            if np.abs(delta).max() < 1e-7:
                break
        logits = evaluation_logits + evaluation_features @ step.transpose(0, 1, 3, 2)
        losses[block] = expected_loss(_probabilities(logits, binary), loss)
    return losses


def refit_losses(model, pool, labeled: np.ndarray, candidates: np.ndarray, evaluation: np.ndarray,
                 loss: str, seed: int) -> np.ndarray:
    """(len(candidates), n_classes) expected loss after refitting on labeled ∪ {(x, y)}."""
    classes = np.asarray(model.classes_)
    X_labeled, codes = pool.X[labeled], pool.label_codes[labeled]
    X_evaluation = pool.X[evaluation]
    stack = sp.vstack if sp.issparse(X_labeled) else np.vstack
    losses = np.empty((len(candidates), len(classes)))
    for position, row in enumerate(candidates):
        X_enlarged = stack([X_labeled, pool.X[row : row + 1]])
        for column, label in enumerate(classes):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # small refits may stop early; they still rank
                refit = fit_estimator(make_model(model, seed), X_enlarged, np.append(codes, label))
            losses[position, column] = expected_loss(refit.predict_proba(X_evaluation), loss)
    return losses


def uses_newton_shortcut(model) -> bool:
    """True for a plain logistic regression small enough for `newton_refit_losses`."""
    if not is_plain_logistic(model):
        return False
    final = final_estimator(model)
    n_logits = 1 if len(final.classes_) == 2 else len(final.classes_)
    return n_logits * (final.coef_.shape[1] + 1) <= EER_SHORTCUT_MAX_PARAMS


def _error_reduction_query(model, pool, batch_size, rng, candidates, loss: str, name: str) -> Query:
    shortcut = uses_newton_shortcut(model)
    cap = max(batch_size, EER_MAX_CANDIDATES if shortcut else EER_REFIT_CANDIDATES)
    scored = np.arange(len(candidates))
    if len(candidates) > cap:
        scored = np.sort(rng.choice(len(candidates), size=cap, replace=False))
    evaluation = candidates
    if len(candidates) > EER_EVAL_ROWS:
        evaluation = np.sort(rng.choice(candidates, size=EER_EVAL_ROWS, replace=False))
    labeled = pool.labeled_indices()
    rows = candidates[scored]
    if shortcut:
        losses = newton_refit_losses(model, pool.X, labeled, rows, evaluation, loss)
    else:
        losses = refit_losses(model, pool, labeled, rows, evaluation, loss, int(rng.integers(2**31 - 1)))
    proba = model.predict_proba(pool.X[rows])
    expected = -np.einsum("cy,cy->c", proba, losses)
    scores = np.full(len(candidates), expected.min() - 1.0)  # unscored: below every scored row
    scores[scored] = expected
    return Query(candidates[top_k(scores, batch_size, rng)], candidates, scores, name)


@register(
    "eer_log_loss",
    "Expected error reduction: ask about the rows whose label would most lower the expected log loss on the pool.",
)
def eer_log_loss(model, pool, batch_size: int, rng: np.random.Generator, candidates: np.ndarray) -> Query:
    """Scores: minus the expected log loss on the pool after learning the row's label."""
    return _error_reduction_query(model, pool, batch_size, rng, candidates, "log", "eer_log_loss")


@register(
    "eer_zero_one",
    "Expected error reduction: ask about the rows whose label would most lower the expected error rate on the pool.",
)
def eer_zero_one(model, pool, batch_size: int, rng: np.random.Generator, candidates: np.ndarray) -> Query:
    """Scores: minus the expected 0/1 loss (1 - max p) on the pool after learning the row's label."""
    return _error_reduction_query(model, pool, batch_size, rng, candidates, "zero_one", "eer_zero_one")
