"""Information density: uncertain rows that look like much of the pool.

Pure uncertainty sampling loves outliers: a row unlike anything else is
often one the model is unsure of, and labeling it teaches little about the
rest. Settles & Craven (2008) weight each row's uncertainty by how
representative it is:

    score(x) = uncertainty(x) * density(x) ** beta,
    density(x) = mean over pool rows u of max(0, cos(x, u)).

The mean is taken over a random sample of at most DENSITY_SAMPLE_ROWS pool
rows (drawn with the strategy's rng), never over an n x n matrix: memory is
one block of DENSITY_BLOCK_ROWS x DENSITY_SAMPLE_ROWS similarities. Cosine
similarity ignores a row's length, so it compares directions (term mixes for
text, position around the feature mean for standardized tables); a negative
cosine (an opposite direction) counts as not similar, so density is in
[0, 1] and any beta is defined.

beta: 0 is plain uncertainty, 1 (DENSITY_BETA) the classic choice, larger
values favour typical rows more. To offer another beta, register a variant:

    from functools import partial
    register("density_weighted_b2", "...")(partial(information_density, beta=2.0, name="density_weighted_b2"))
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from sklearn.preprocessing import normalize

from alcore.core.strategies.base import Query, register, top_k
from alcore.core.strategies.uncertainty import uncertainty_scores

DENSITY_BETA = 1.0
"""Exponent on density: how much being typical counts against being uncertain."""

DENSITY_MEASURE = "entropy"
"""Uncertainty measure weighted by density (Settles & Craven use entropy)."""

DENSITY_SAMPLE_ROWS = 1000
"""Pool rows sampled to estimate each candidate's mean similarity to the pool."""

DENSITY_BLOCK_ROWS = 4096
"""Candidates per block: a block of similarities is 4096 x 1000 floats (32 MB)."""


def mean_cosine_similarity(X, rows: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """(len(rows),) mean of max(0, cosine similarity) from each row of X to the reference rows.

    X: (n_rows, n_features), dense or CSR; rows, reference: pool row indices.
    An all-zero row has similarity 0 to everything.
    """
    reference_units = normalize(X[reference])
    if sp.issparse(reference_units):
        reference_units = reference_units.toarray()
    reference_units = reference_units.T  # (n_features, n_reference): one product per block
    density = np.empty(len(rows))
    for start in range(0, len(rows), DENSITY_BLOCK_ROWS):
        block = rows[start : start + DENSITY_BLOCK_ROWS]
        similarity = np.asarray(normalize(X[block]) @ reference_units)
        np.maximum(similarity, 0.0, out=similarity)
        density[start : start + len(block)] = similarity.mean(axis=1)
    return density


def pool_density(pool, candidates: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """(len(candidates),) mean similarity of each candidate to a random sample of the pool."""
    n_rows = len(pool)
    sample = np.arange(n_rows)
    if n_rows > DENSITY_SAMPLE_ROWS:
        sample = np.sort(rng.choice(n_rows, size=DENSITY_SAMPLE_ROWS, replace=False))
    return mean_cosine_similarity(pool.X, candidates, sample)


def information_density(
    model,
    pool,
    batch_size: int,
    rng: np.random.Generator,
    candidates: np.ndarray,
    beta: float | None = None,
    measure: str | None = None,
    name: str = "density_weighted",
) -> Query:
    """Scores: uncertainty x density ** beta (uncertainty as `measure`, default entropy)."""
    beta = DENSITY_BETA if beta is None else beta
    uncertainty = uncertainty_scores(model, pool.X, candidates, measure or DENSITY_MEASURE)
    if uncertainty.min() < 0:
        raise ValueError("density weighting needs a model with class probabilities (non-negative uncertainty)")
    scores = uncertainty * pool_density(pool, candidates, rng) ** beta
    return Query(candidates[top_k(scores, batch_size, rng)], candidates, scores, name)


@register(
    "density_weighted",
    "Ask about uncertain rows that resemble much of the pool (entropy x mean similarity), not lone outliers.",
)
def density_weighted(model, pool, batch_size: int, rng: np.random.Generator, candidates: np.ndarray) -> Query:
    return information_density(model, pool, batch_size, rng, candidates)
