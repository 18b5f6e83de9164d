"""The active-learning loop for people: query, a person labels, teach, repeat.

`ActiveLearner` wraps any scikit-learn classifier; labeling projects drive it with
people's answers and simulations (alcore.experiment) with an oracle's.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from alcore.core.models import DEFAULT_MODEL, fit_estimator, fit_self_training, make_model
from alcore.core.pool import LabelSource, Pool
from alcore.core.strategies import REGISTRY, Query, get_strategy, new_memory, select
from alcore.core.strategies.base import predict_proba as chunked_proba

DEFAULT_STRATEGY = "diverse_margin"
"""The strategy used wherever none is chosen (the API, `alcore simulate`, Explore, labeling projects).

`diverse_margin` takes the rows the model is least sure of (smallest margin between its two
likeliest classes: 3 times as many as the batch), groups them into as many clusters as the batch
has rows, and asks the least sure row of each cluster, so no two rows of a batch ask the same
question. It saved the most labels of the single strategies measured on the real data sets of
`benchmarks/bench_savings.py` and was significantly worse than random on none: see README,
"Labels saved on real data"."""


class ActiveLearner(BaseEstimator):
    """Wraps any scikit-learn classifier for pool-based active learning.

    A scikit-learn estimator: `__init__` stores parameters (so `get_params`,
    `set_params` and `sklearn.base.clone` work), `fit` learns and returns
    self, fitted attributes end in `_`, and `query` or `predict` before `fit`
    raise `NotFittedError`.

    estimator: a model name from `alcore.core.models.MODELS` or an estimator object.
    strategy: a registered query strategy name.
    strategy_params: the strategy's settings, e.g. {"n_members": 7} for
        qbc_vote_entropy (see `alcore.core.strategies.strategy_settings`); None
        keeps its defaults.
    cold_start: the strategy used while no model can be trained (fewer than
        two classes labeled); it must not need a model (`random`, `kcenter`).
    semi_supervised: also learn from the unlabeled rows, by one round of
        self-training: rows the model is at least `confidence_threshold` sure
        of are added with its guess as their label, at most as many per class
        as the class has labels, its surest ones (`fit_self_training`). The
        query strategy then asks a model that has seen the whole pool.
    warm_start: refit from the last round's model where the model allows it
        (a logistic regression's solver starts from its weights: the same
        optimum within the solver's tolerance, in a fraction of the time).
        The model then depends a little on the order labels came in, so a
        labeling project, reopened from its stored labels, refits from
        scratch (False); simulations replay a fixed order and use it.

    Fitted attributes: estimator_ (None while cold), classes_ (labeled label
    values), is_cold_; and the query state, made at the first `fit` and kept
    by later ones (a refit after new labels continues the same run): rng_,
    round_, memory_ (what `auto` learned so far; None for other strategies).
    `clone(learner)` starts a fresh run.
    """

    def __init__(
        self,
        estimator: str | BaseEstimator = DEFAULT_MODEL,
        strategy: str = DEFAULT_STRATEGY,
        batch_size: int = 10,
        cold_start: str = "random",
        random_state: int | None = None,
        max_candidates: int | None = None,
        semi_supervised: bool = False,
        confidence_threshold: float = 0.9,
        warm_start: bool = False,
        strategy_params: dict | None = None,
    ):
        self.estimator = estimator
        self.strategy = strategy
        self.batch_size = batch_size
        self.cold_start = cold_start
        self.random_state = random_state
        self.max_candidates = max_candidates
        self.semi_supervised = semi_supervised
        self.confidence_threshold = confidence_threshold
        self.warm_start = warm_start
        self.strategy_params = strategy_params

    def strategy_settings(self) -> dict:
        """Every setting of the strategy, defaults included: what results and projects record."""
        return get_strategy(self.strategy).settings(self.strategy_params)

    def fit(self, pool: Pool) -> ActiveLearner:
        """Train on the labeled rows of `pool` (or stay cold with fewer than two classes)."""
        settings = self.strategy_settings()
        if get_strategy(self.cold_start).needs_model:
            model_free = ", ".join(name for name, info in sorted(REGISTRY.items()) if not info.needs_model)
            raise ValueError(f"cold-start strategy {self.cold_start!r} needs a model; use one of: {model_free}")
        if not hasattr(self, "rng_"):
            self.rng_ = np.random.default_rng(self.random_state)
            self.round_ = 0
            self.memory_ = new_memory(self.strategy, **settings)
        labeled = pool.labeled_indices()
        self.classes_ = pool.labeled_classes()
        self.is_cold_ = len(self.classes_) < 2
        previous = getattr(self, "estimator_", None) if self.warm_start else None
        if self.is_cold_:
            self.estimator_ = None
        elif self.semi_supervised and pool.n_unlabeled:
            self.estimator_, _ = fit_self_training(
                make_model(self.estimator, self.random_state),
                pool.X,
                pool.label_codes,
                self.confidence_threshold,
                previous=previous,
            )
        else:
            self.estimator_ = fit_estimator(
                make_model(self.estimator, self.random_state),
                pool.X[labeled],
                pool.label_codes[labeled],
                previous=previous,
            )
        return self

    def query(self, pool: Pool, exclude=None) -> Query:
        """The next batch to label; raises EmptyPoolError when nothing is left.

        exclude: unlabeled rows not to ask about this time (see `select`).
        """
        check_is_fitted(self, "is_cold_")
        if self.is_cold_:
            return select(self.cold_start, None, pool, self.batch_size, self.rng_, self.max_candidates, exclude)
        return select(
            self.strategy,
            self.estimator_,
            pool,
            self.batch_size,
            self.rng_,
            self.max_candidates,
            exclude,
            memory=self.memory_,
            **(self.strategy_params or {}),
        )

    def teach(
        self, pool: Pool, rows: Sequence[int], labels: Sequence[Hashable], source: LabelSource = LabelSource.PERSON
    ) -> ActiveLearner:
        """Record labels for `rows` in `pool` (a new round), then retrain on every labeled row."""
        check_is_fitted(self, "is_cold_")
        self.round_ += 1
        pool.record_labels(rows, labels, source, self.round_)
        return self.fit(pool)

    def predict_proba(self, pool: Pool, rows: np.ndarray | None = None) -> np.ndarray:
        """(n_rows, n_known_classes) probabilities in `pool.classes` order.

        Classes the model has not seen yet get probability 0; while cold, all
        mass goes to the only labeled class (or is uniform with no labels).
        """
        check_is_fitted(self, "is_cold_")
        rows = np.arange(len(pool)) if rows is None else np.asarray(rows)
        proba = np.zeros((len(rows), len(pool.classes)))
        order = np.argsort(rows, kind="stable")  # chunked scoring reads rows in ascending order
        if self.is_cold_:
            if self.classes_:
                proba[:, pool.classes.index(self.classes_[0])] = 1.0
            elif pool.classes:
                proba[:] = 1.0 / len(pool.classes)
            return proba
        proba[np.ix_(order, self.estimator_.classes_)] = chunked_proba(self.estimator_, pool.X, rows[order])
        return proba

    def predict(self, pool: Pool, rows: np.ndarray | None = None) -> np.ndarray:
        """Predicted label values (in `pool.classes`) of `rows`."""
        codes = self.predict_proba(pool, rows).argmax(axis=1)
        lookup = np.empty(len(pool.classes), dtype=object)
        lookup[:] = pool.classes
        return lookup[codes]
