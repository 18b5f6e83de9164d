"""Query by committee: ask about the rows a committee of models disagrees on.

The committee is `n_members` copies of the user's own model (a setting, 5 by
default: `select("qbc_vote_entropy", ..., n_members=7)`; cloned, never the
fitted object itself), each refitted on a bootstrap resample of the
labeled rows drawn with the strategy's rng. Where the labeled rows clearly
decide a row's class every member agrees; where they do not, the resamples
pull the members apart.

Members are fitted on the pool's label codes, so a member's `classes_` are
codes and its probability columns go to those codes' columns: a class missing
from one member's resample gets probability 0 from that member, not a shifted
column. A resample with fewer than two classes cannot train a classifier; it
is drawn again (up to RESAMPLE_ATTEMPTS times) and otherwise that member is
left out.

- `qbc_vote_entropy`: entropy of the members' votes (Dagan & Engelson 1995);
  0 when every member predicts the same class.
- `qbc_kl`: mean Kullback-Leibler divergence of each member's probabilities
  from the committee's mean (McCallum & Nigam 1998); 0 when the members'
  probabilities are identical.

Scoring runs chunk by chunk: memory is one chunk of members' outputs.
"""

from __future__ import annotations

import warnings
from functools import partial

import numpy as np

from alcore.core.models import fit_estimator, make_model
from alcore.core.strategies.base import Query, StrategyInfo, score_in_chunks, top_k
from alcore.core.strategies.uncertainty import entropy_from_proba

COMMITTEE_SIZE = 5
"""Members per committee by default. More members give smoother disagreement at the
cost of one fit and one scoring pass each; 5 is the usual choice in the literature."""

RESAMPLE_ATTEMPTS = 10
"""Bootstrap draws tried per member before it is left out for lacking two classes."""


def fit_committee(model, pool, rng: np.random.Generator, size: int = COMMITTEE_SIZE) -> list:
    """Up to `size` clones of `model`, each fitted on a bootstrap resample of the labeled rows.

    Returns the fitted members (at least one: the user's model itself is used
    when no resample holds two classes, so the committee then agrees everywhere).
    """
    labeled = pool.labeled_indices()
    codes = pool.label_codes[labeled]
    members = []
    for _ in range(size):
        for _ in range(RESAMPLE_ATTEMPTS):
            resample = np.sort(rng.integers(len(labeled), size=len(labeled)))
            if len(np.unique(codes[resample])) >= 2:
                break
        else:
            continue
        member = make_model(model, random_state=int(rng.integers(2**31 - 1)))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # tiny resamples may not converge; a rough member still votes
            members.append(fit_estimator(member, pool.X[labeled[resample]], codes[resample]))
    return members or [model]


def _n_columns(pool, members) -> int:
    known = max(int(np.max(member.classes_)) for member in members) + 1
    return max(len(pool.classes), known)


def member_votes(members, features, n_columns: int) -> np.ndarray:
    """(n_rows, n_columns) fraction of members voting for each class code."""
    votes = np.zeros((features.shape[0], n_columns))
    rows = np.arange(features.shape[0])
    for member in members:
        votes[rows, np.asarray(member.predict(features), dtype=np.int64)] += 1.0  # one vote per row per member
    return votes / len(members)


def member_probabilities(members, features, n_columns: int) -> np.ndarray:
    """(n_members, n_rows, n_columns) probabilities, columns aligned to class codes."""
    proba = np.zeros((len(members), features.shape[0], n_columns))
    for position, member in enumerate(members):
        proba[position][:, np.asarray(member.classes_, dtype=np.int64)] = member.predict_proba(features)
    return proba


def kl_to_consensus(proba: np.ndarray) -> np.ndarray:
    """(n_members, n_rows, n_classes) -> (n_rows,) mean KL(member || consensus) in nats.

    The consensus is the members' mean, so it is positive wherever any member
    is: 0 log 0 counts as 0 and no division by zero can occur.
    """
    consensus = proba.mean(axis=0)
    ratio = np.divide(proba, consensus, out=np.ones_like(proba), where=proba > 0)
    return (proba * np.log(ratio)).sum(axis=2).mean(axis=0)


def query_by_committee(
    name: str,
    model,
    pool,
    batch_size: int,
    rng: np.random.Generator,
    candidates: np.ndarray,
    *,
    n_members: int = COMMITTEE_SIZE,
) -> Query:
    """Scores: for `qbc_vote_entropy`, entropy (nats) of the committee's vote shares, 0 where
    all members agree; for `qbc_kl`, mean KL divergence (nats) of members' probabilities from
    their mean. The strategies bind `name`; n_members is their setting.
    """
    if n_members < 1:
        raise ValueError(f"{name} needs a committee of at least 1 member; n_members was {n_members}.")
    members = fit_committee(model, pool, rng, n_members)
    n_columns = _n_columns(pool, members)
    if name == "qbc_kl":
        if not all(hasattr(member, "predict_proba") for member in members):
            raise ValueError(
                f"qbc_kl needs a model that gives class probabilities; {type(model).__name__} does not. "
                "Choose qbc_vote_entropy, which needs only predictions."
            )
        score = lambda features: kl_to_consensus(member_probabilities(members, features, n_columns))  # noqa: E731
    else:
        score = lambda features: entropy_from_proba(member_votes(members, features, n_columns))  # noqa: E731
    scores = score_in_chunks(score, pool.X, candidates)
    np.maximum(scores, 0.0, out=scores)  # rounding can give -1e-17 where members agree
    return Query(candidates[top_k(scores, batch_size, rng)], candidates, scores, name)


qbc_vote_entropy = partial(query_by_committee, "qbc_vote_entropy")
qbc_kl = partial(query_by_committee, "qbc_kl")


QBC_VOTE_ENTROPY = StrategyInfo(
    "qbc_vote_entropy",
    qbc_vote_entropy,
    "Query by committee: copies of the model trained on resampled labels (5 by default) vote; "
    "ask where the votes split most.",
)
QBC_KL = StrategyInfo(
    "qbc_kl",
    qbc_kl,
    "Query by committee: ask where resampled copies of the model (5 by default) disagree most "
    "in their probabilities (KL to consensus).",
)
