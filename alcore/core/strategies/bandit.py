"""`auto`: let a bandit choose the strategy each round, from what the last choice taught.

No strategy wins on every data set, and the one that helps most early (e.g.
diversity) is rarely the one that helps most later (uncertainty). In the
spirit of Active Learning by Learning (Hsu & Lin 2015), `auto` treats the
model-based strategies in AUTO_ARMS as the arms of an EXP3 bandit (Auer et
al. 2002) and learns which pays off on this pool.

This is the documented simpler variant, not full ALBL: ALBL rewards an arm
with the importance-weighted accuracy of every row queried so far, which
needs per-row query probabilities and uniform exploration rows in every
batch. Here each round one arm picks the whole batch, and when those rows
come back labeled the arm is rewarded by how much the model learned from
them:

    reward = max(0, accuracy on the batch of the model after learning it
                    - accuracy on the batch of the model that chose it)   in [0, 1].

A batch of rows the model already got right earns 0 (it taught nothing); a
batch it got wrong and now gets right earns up to 1; rows it cannot learn
(noise, or a batch that made it worse) earn 0.
EXP3 keeps importance weighting over arms: the reward is divided by the
probability with which the arm was drawn, so rarely drawn arms are not
starved, and a share AUTO_EXPLORATION of the probability is spread evenly.
log-weight of the drawn arm += AUTO_LEARNING_RATE * reward / probability.

State across rounds: a `BanditState` per feature matrix (`bandit_state(pool)`,
keyed by the identity of `pool.X` and dropped when that matrix is freed). A
simulation's rounds share it, and so do the pools a labeling session rebuilds
from stored labels each round over the same features; a new run (new
features) starts afresh. The state is in memory: a server restart forgets
it. The strategy never writes to the pool.
An arm that cannot score with this model (a ValueError, e.g.
expected_gradient_length with a forest) is dropped for this pool. The Query
is labelled "auto"; its `note` says which arm was drawn, with what
probability, and the last reward that led there.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field

import numpy as np

from alcore.core.strategies.base import REGISTRY, Query, register

AUTO_ARMS = (
    "margin",
    "entropy",
    "least_confidence",
    "diverse_margin",
    "density_weighted",
    "badge",
    "qbc_vote_entropy",
    "expected_gradient_length",
)
"""Strategies the bandit chooses among (cheap, model-based; EER is left out for its cost)."""

AUTO_EXPLORATION = 0.2
"""EXP3's γ: the share of probability spread evenly over the arms (each keeps >= γ / n_arms)."""

AUTO_LEARNING_RATE = 0.5
"""Step on an arm's log-weight per unit of importance-weighted reward. EXP3's
textbook γ / n_arms is tuned for thousands of rounds; a labeling effort has
tens, so the bandit must move faster to matter."""


@dataclass
class BanditState:
    """What `auto` remembers about one pool."""

    arms: list[str]
    log_weights: np.ndarray
    pulls: np.ndarray
    pending: dict | None = None
    last_reward: str = ""
    history: list[str] = field(default_factory=list)

    def probabilities(self) -> np.ndarray:
        weights = np.exp(self.log_weights - self.log_weights.max())
        return (1.0 - AUTO_EXPLORATION) * weights / weights.sum() + AUTO_EXPLORATION / len(self.arms)

    def drop(self, arm: str) -> None:
        keep = [position for position, name in enumerate(self.arms) if name != arm]
        self.arms = [self.arms[position] for position in keep]
        self.log_weights, self.pulls = self.log_weights[keep], self.pulls[keep]


_STATES: dict[int, BanditState] = {}


def bandit_state(pool) -> BanditState:
    """The bandit's memory for this pool's rows (created on first use).

    Keyed by id(pool.X), not by the Pool: a labeling session rebuilds its
    Pool from the store every round but keeps the same features. NumPy arrays
    cannot be dict keys, hence the id and a finalizer that drops the entry.
    """
    key = id(pool.X)
    if key not in _STATES:
        arms = [name for name in AUTO_ARMS if name in REGISTRY and REGISTRY[name].needs_model]
        _STATES[key] = BanditState(arms, np.zeros(len(arms)), np.zeros(len(arms), dtype=np.int64))
        weakref.finalize(pool.X, _STATES.pop, key, None)
    return _STATES[key]


def _predicted_codes(model, X, rows: np.ndarray) -> np.ndarray:
    return np.asarray(model.predict(X[np.sort(rows)]), dtype=np.int64)


def learn_from_last_batch(state: BanditState, model, pool) -> None:
    """Reward the arm that chose the last batch, once (some of) its rows are labeled."""
    pending = state.pending
    if pending is None:
        return
    rows = np.sort(pending["rows"])
    answered = pool.labeled_mask[rows]
    if not answered.any() or pending["arm"] not in state.arms:
        return  # asked again before any answer: nothing learned yet
    truth = pool.label_codes[rows[answered]]
    before = float(np.mean(pending["predicted"][answered] == truth))
    after = float(np.mean(_predicted_codes(model, pool.X, rows[answered]) == truth))
    reward = max(0.0, after - before)
    arm = state.arms.index(pending["arm"])
    state.log_weights[arm] += AUTO_LEARNING_RATE * reward / pending["probability"]
    state.last_reward = (
        f"{pending['arm']} earned {reward:.2f} last round "
        f"(its rows went from {before:.0%} to {after:.0%} predicted right)"
    )
    state.pending = None


@register(
    "auto",
    "Let a bandit pick the strategy each round (EXP3 over margin, badge, qbc, ...), rewarding what the model learned.",
)
def auto(model, pool, batch_size: int, rng: np.random.Generator, candidates: np.ndarray) -> Query:
    """Scores: those of the strategy drawn this round (see `note` for which)."""
    state = bandit_state(pool)
    learn_from_last_batch(state, model, pool)
    while True:
        probabilities = state.probabilities()
        arm = int(rng.choice(len(state.arms), p=probabilities))
        name = state.arms[arm]
        try:
            chosen = REGISTRY[name].function(model, pool, batch_size, rng, candidates)
            break
        except ValueError:
            if len(state.arms) == 1:
                raise
            state.drop(name)  # this model cannot serve that strategy; never draw it again here
    state.pulls[arm] += 1
    state.history.append(name)
    state.pending = {
        "arm": name,
        "probability": float(probabilities[arm]),
        "rows": chosen.indices.copy(),
        "predicted": _predicted_codes(model, pool.X, chosen.indices),
    }
    ranked = np.argsort(-probabilities)[:3]
    leaders = ", ".join(f"{state.arms[i]} {probabilities[i]:.2f}" for i in ranked)
    note = f"auto chose {name} (drawn with probability {probabilities[arm]:.2f}; leading: {leaders})"
    if state.last_reward:
        note += f"; {state.last_reward}"
    return Query(chosen.indices, chosen.candidates, chosen.scores, "auto", note)
