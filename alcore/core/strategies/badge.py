"""BADGE: batches that are uncertain and diverse at once (Ash et al. 2020).

Each candidate x is embedded as the gradient of the loss on its last layer
if the model's own guess ŷ were the label: for a linear or logistic model
with probabilities p,

    g(x) = (p - onehot(ŷ)) ⊗ [x, 1]     (n_classes x (n_features + 1))

where x is what enters the final estimator (`pipeline[:-1].transform` for a
pipeline) and the 1 is the intercept's input, when the model fits one: the
intercepts are last-layer weights too, and their gradient p - onehot(ŷ) is
part of the embedding (Ash et al. embed every last-layer parameter). Its length grows with uncertainty (|p - onehot(ŷ)|) and with the
row's weight on the weights (|x|); its direction says which weights the row
would move. The batch is chosen by k-means++ seeding over the embeddings:
the first pick is the longest gradient, each next one is drawn with
probability proportional to its squared distance to the nearest pick (D²
sampling, with the strategy's rng).

The n x (n_classes * n_features) embedding matrix is never built. Distances
come from the outer-product structure,

    ||a⊗x - b⊗y||² = |a|²|x|² + |b|²|y|² - 2 (a·b)(x·y),

so each pick costs one pass over the residuals (n x n_classes) and one
matrix-vector product with the features (n x n_features).

Fallback for a model without a linear last layer (no `coef_`: forests,
naive Bayes, k-NN, RBF SVM): the embedding is p - onehot(ŷ) concatenated with
x, squared distance |a - b|² + |x - y|². It keeps uncertainty and position
but their relative scale depends on the features' units.

Scores: each candidate's embedding length (uncertainty x feature weight).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from sklearn.utils.extmath import row_norms
from threadpoolctl import threadpool_limits

from alcore.core.strategies.base import Query, StrategyInfo, dense_row, predict_proba
from alcore.core.strategies.last_layer import (
    final_estimator,
    is_linear,
    last_layer_features,
)


def gradient_embedding_parts(model, X, candidates: np.ndarray):
    """The two factors of the embeddings, without forming them.

    Returns (residuals, features): residuals (n, n_classes) = p - onehot(argmax p),
    features (n, n_last_layer_features), dense or sparse, the final estimator's inputs,
    with a last column of ones when a linear last layer fits an intercept.
    """
    if not hasattr(final_estimator(model), "predict_proba"):
        raise ValueError(
            f"badge needs a model that gives class probabilities; {type(model).__name__} does not. "
            "Choose kcenter or diverse_margin for a diverse batch."
        )
    features = last_layer_features(model, X[candidates])
    if sp.issparse(features):
        features = sp.csr_matrix(features)
    proba = predict_proba(final_estimator(model), features, np.arange(features.shape[0]))
    residuals = np.array(proba, dtype=np.float64)
    residuals[np.arange(len(residuals)), proba.argmax(axis=1)] -= 1.0
    if is_linear(model) and getattr(final_estimator(model), "fit_intercept", False):
        ones = np.ones((features.shape[0], 1))
        features = sp.hstack([features, ones], format="csr") if sp.issparse(features) else np.hstack([features, ones])
    return residuals, features


def kmeans_pp_picks(
    residuals: np.ndarray, features, batch_size: int, rng: np.random.Generator, outer: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """k-means++ seeding over the implicit embeddings: (positions of the picks, embedding lengths).

    outer: embeddings are residual ⊗ feature (linear model); else residual ⊕ feature.
    """
    residual_sq = row_norms(residuals, squared=True)
    feature_sq = row_norms(features, squared=True)
    lengths_sq = residual_sq * feature_sq if outer else residual_sq + feature_sq
    nearest = np.full(len(residuals), np.inf)

    def add_center(pick: int) -> None:
        residual_dot = residuals @ residuals[pick]
        feature_dot = np.asarray(features @ dense_row(features, pick)).ravel()
        if outer:
            sq_distance = lengths_sq + lengths_sq[pick] - 2.0 * residual_dot * feature_dot
        else:
            sq_distance = lengths_sq + lengths_sq[pick] - 2.0 * (residual_dot + feature_dot)
        np.maximum(sq_distance, 0.0, out=sq_distance)
        np.minimum(nearest, sq_distance, out=nearest)

    longest = np.flatnonzero(lengths_sq == lengths_sq.max())
    picks = [int(longest[0] if len(longest) == 1 else rng.choice(longest))]
    taken = np.zeros(len(residuals), dtype=bool)
    # Sequential matrix-vector products: one BLAS thread (see diversity.farthest_first).
    with threadpool_limits(limits=1, user_api="blas"):
        while len(picks) < batch_size:
            add_center(picks[-1])
            taken[picks[-1]] = True
            weights = np.where(taken, 0.0, nearest)
            total = weights.sum()
            if not np.isfinite(total) or total <= 0:  # every row left duplicates a pick
                weights = (~taken).astype(np.float64)
                total = weights.sum()
            picks.append(int(rng.choice(len(weights), p=weights / total)))
    return np.array(picks, dtype=np.int64), np.sqrt(lengths_sq)


def badge(model, pool, batch_size: int, rng: np.random.Generator, candidates: np.ndarray) -> Query:
    """Scores: gradient embedding length; the batch is in pick order."""
    residuals, features = gradient_embedding_parts(model, pool.X, candidates)
    picks, lengths = kmeans_pp_picks(residuals, features, batch_size, rng, outer=is_linear(model))
    return Query(candidates[picks], candidates, lengths, "badge")


BADGE = StrategyInfo(
    "badge",
    badge,
    "BADGE: a batch both uncertain and diverse, spread over the gradients the model would take (k-means++ seeding).",
)
