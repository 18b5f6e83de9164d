"""The last layer of a model: the features entering its final estimator.

Gradient-based strategies (BADGE, expected gradient length, expected error
reduction's logistic shortcut) reason about the weights of the final linear
layer. For a scikit-learn Pipeline those weights act on the output of the
steps before it (`pipeline[:-1].transform`), not on the pool's raw features.
This module offers no strategy of its own.
"""

from __future__ import annotations

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline


def final_estimator(model):
    """The estimator that produces the predictions (the last step of a pipeline)."""
    return model[-1] if isinstance(model, Pipeline) else model


def last_layer_features(model, features):
    """Features as the final estimator sees them: (n_rows, n_last_layer_features)."""
    if isinstance(model, Pipeline) and len(model) > 1:
        return model[:-1].transform(features)
    return features


def is_linear(model) -> bool:
    """True when the final estimator has linear weights on its inputs (`coef_`)."""
    return hasattr(final_estimator(model), "coef_")


def is_plain_logistic(model) -> bool:
    """An unweighted L2 logistic regression: the model whose loss the shortcuts assume."""
    final = final_estimator(model)
    if not isinstance(final, LogisticRegression):
        return False
    params = final.get_params()
    return (
        params.get("class_weight") is None
        and params.get("l1_ratio") in (0, 0.0, None)
        and params.get("penalty") in ("l2", "deprecated")
        and np.isfinite(params.get("C", 1.0))
    )
