"""Information density: uncertain rows that look like much of the pool.

Pure uncertainty sampling loves outliers: a row unlike anything else is
often one the model is unsure of, and labeling it teaches little about the
rest. Settles & Craven (2008) weight each row's uncertainty by how
representative it is:

    score(x) = uncertainty(x) * density(x) ** beta,
    density(x) = mean over pool rows u of max(0, cos(x, u)).

The mean is taken over a random sample of at most `sample_rows` pool rows
(a setting, 1000 by default, drawn with the strategy's rng), never over an
n x n matrix: memory is one block of BLOCK_ROWS x sample_rows similarities. Cosine
similarity ignores a row's length, so it compares directions (term mixes for
text, position around the feature mean for standardized tables); a negative
cosine (an opposite direction) counts as not similar, so density is in
[0, 1] and any beta is defined.

Settings (chosen with the strategy, e.g. `select("density_weighted", ..., beta=2.0)`):
beta, 0 for plain uncertainty, 1 the classic choice, larger values favour
typical rows more; measure, the uncertainty weighted (Settles & Craven use
entropy); sample_rows, the pool rows sampled to estimate density.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from sklearn.preprocessing import normalize

from alcore.core.strategies.base import Query, StrategyInfo, top_k
from alcore.core.strategies.uncertainty import uncertainty_scores

BLOCK_ROWS = 4096
"""Candidates per block: a block of similarities is 4096 x 1000 floats (32 MB)."""


def mean_cosine_similarity(X, rows: np.ndarray, reference: np.ndarray, block_rows: int = BLOCK_ROWS) -> np.ndarray:
    """(len(rows),) mean of max(0, cosine similarity) from each row of X to the reference rows.

    X: (n_rows, n_features), dense or CSR; rows, reference: pool row indices.
    An all-zero row has similarity 0 to everything.
    """
    reference_units = normalize(X[reference])
    if sp.issparse(reference_units):
        reference_units = reference_units.toarray()
    reference_units = reference_units.T  # (n_features, n_reference): one product per block
    density = np.empty(len(rows))
    for start in range(0, len(rows), block_rows):
        block = rows[start : start + block_rows]
        similarity = np.asarray(normalize(X[block]) @ reference_units)
        np.maximum(similarity, 0.0, out=similarity)
        density[start : start + len(block)] = similarity.mean(axis=1)
    return density


def pool_density(pool, candidates: np.ndarray, rng: np.random.Generator, sample_rows: int) -> np.ndarray:
    """(len(candidates),) mean similarity of each candidate to a random sample of `sample_rows` pool rows."""
    n_rows = len(pool)
    sample = np.arange(n_rows)
    if n_rows > sample_rows:
        sample = np.sort(rng.choice(n_rows, size=sample_rows, replace=False))
    return mean_cosine_similarity(pool.X, candidates, sample)


def density_weighted(
    model,
    pool,
    batch_size: int,
    rng: np.random.Generator,
    candidates: np.ndarray,
    *,
    beta: float = 1.0,
    measure: str = "entropy",
    sample_rows: int = 1000,
) -> Query:
    """Scores: uncertainty x density ** beta (uncertainty as `measure`)."""
    uncertainty = uncertainty_scores(model, pool.X, candidates, measure)
    if uncertainty.min() < 0:
        raise ValueError("density weighting needs a model with class probabilities (non-negative uncertainty)")
    scores = uncertainty * pool_density(pool, candidates, rng, sample_rows) ** beta
    return Query(candidates[top_k(scores, batch_size, rng)], candidates, scores, "density_weighted")


DENSITY_WEIGHTED = StrategyInfo(
    "density_weighted",
    density_weighted,
    "Ask about uncertain rows that resemble much of the pool (entropy x mean similarity), not lone outliers.",
)
