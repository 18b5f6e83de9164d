"""Expected model change: ask about the rows whose label would move the weights most.

Expected gradient length (Settles, Craven & Ray 2008) scores a row x by how
long the gradient of the training loss would be if x were added with its
label y, averaged over the model's own belief about y:

    EGL(x) = Σ_y p(y|x) ||∇_W loss(x, y)||.

For a linear model with softmax (multinomial logistic regression) the
gradient with respect to the weights W is (p - e_y) ⊗ x̃, where x̃ is what
enters the final estimator plus a constant 1 for the intercept, so

    ||∇_W loss(x, y)|| = ||p - e_y|| · ||x̃||,   ||p - e_y||² = ||p||² - 2 p_y + 1,

a closed form: one pass over the probabilities, no refit, no per-row loop.
(A binary logistic regression's gradient is the same up to a factor √2,
which ranks rows identically.) Only models with a linear last layer and
probabilities qualify; others get a ValueError saying what to choose.
"""

from __future__ import annotations

import numpy as np
from sklearn.utils.extmath import row_norms

from alcore.core.strategies.base import Query, StrategyInfo, score_in_chunks, top_k
from alcore.core.strategies.last_layer import (
    final_estimator,
    is_linear,
    last_layer_features,
)


def expected_gradient_lengths(proba: np.ndarray, sq_feature_norms: np.ndarray) -> np.ndarray:
    """(n_rows, n_classes) probabilities, (n_rows,) |x̃|² -> (n_rows,) EGL."""
    sq_proba_norms = np.einsum("ij,ij->i", proba, proba)
    residual_norms = np.sqrt(np.maximum(sq_proba_norms[:, None] - 2.0 * proba + 1.0, 0.0))  # ||p - e_y||
    return np.einsum("ij,ij->i", proba, residual_norms) * np.sqrt(sq_feature_norms)


def expected_gradient_length(model, pool, batch_size: int, rng: np.random.Generator, candidates: np.ndarray) -> Query:
    """Scores: expected gradient length, Σ_y p_y ||p - e_y|| ||x̃||."""
    final = final_estimator(model)
    if not (is_linear(model) and hasattr(final, "predict_proba")):
        raise ValueError(
            f"expected_gradient_length needs a linear model with probabilities (logistic regression); "
            f"{type(final).__name__} is not one. Choose the logreg model, or another strategy such as margin."
        )
    intercept = 1.0 if getattr(final, "fit_intercept", False) else 0.0

    def score(features):
        features = last_layer_features(model, features)
        return expected_gradient_lengths(final.predict_proba(features), row_norms(features, squared=True) + intercept)

    scores = score_in_chunks(score, pool.X, candidates)
    return Query(candidates[top_k(scores, batch_size, rng)], candidates, scores, "expected_gradient_length")


EXPECTED_GRADIENT_LENGTH = StrategyInfo(
    "expected_gradient_length",
    expected_gradient_length,
    "Expected model change: ask about rows whose label would move a linear model's weights most (needs logreg).",
)
