"""`auto`: let a bandit choose the strategy each round, from what the last choice taught.

No strategy wins on every data set, and the one that helps most early (e.g.
diversity) is rarely the one that helps most later (uncertainty). In the
spirit of Active Learning by Learning (Hsu & Lin 2015), `auto` treats the
model-based strategies in its `arms` setting as the arms of an EXP3 bandit (Auer et
al. 2002) and learns which pays off on this pool.

This is a simpler variant than full ALBL: ALBL rewards an arm with the
importance-weighted accuracy of every row queried so far, which needs
per-row query probabilities and uniform exploration rows in every batch.
Here each round one arm picks the whole batch, and when those rows come back
labeled the arm is rewarded by how much they improved a model on labeled
rows that *neither model trained on* (`holdout_gain`):

    the rows labeled before the batch are split at random in two halves;
    reward = accuracy on the held-out half of a model fitted on the other
             half plus the batch
           - accuracy on the held-out half of the same model fitted on the
             other half alone                                       in [-1, 1].

Measuring on the batch itself would reward memorising it: a forest predicts
its own training rows right, so a batch of pure noise earned 0.46 that way;
on held-out rows it earns about 0, and a batch that misleads the model earns
less than 0. Two fits of a clone of the model per round pay for that.
EXP3 keeps importance weighting over arms: the reward is divided by the
probability with which the arm was drawn, so rarely drawn arms are not
starved, and a share `exploration` of the probability is spread evenly.
log-weight of the drawn arm += learning_rate * reward / probability.

Settings (chosen with the strategy): arms, the strategies drawn among (names
of model-based strategies; read when the memory is made); exploration,
EXP3's γ; learning_rate, the step on a log-weight.

State across rounds: a `BanditState`, the memory its caller holds and passes
back each round (`select(..., memory=...)`; made by
`alcore.core.strategies.new_memory("auto", **settings)`). An `ActiveLearner`
keeps it from its first fit, so a simulation's rounds share it, and so do
the pools a labeling session rebuilds from stored labels each round. The
memory is in the caller's object: a server restart forgets it. The strategy
never writes to the pool.
An arm that cannot score with this model (a ValueError, e.g.
expected_gradient_length with a forest) is dropped from that memory. The
Query is labelled "auto"; its `note` says which arm was drawn, with what
probability, and the last reward that led there.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from alcore.core.models import fit_estimator, make_model
from alcore.core.strategies.base import Query, StrategyInfo

ARMS = ("diverse_margin", "margin")
"""Strategies the bandit chooses among by default: the two that saved most labels on the savings suite
(`benchmarks/bench_savings.py`). Over eight arms (badge, qbc, density, ...) the bandit spent its few tens of
rounds drawing the weaker ones before it could tell them apart (median 1.73x fewer labels than random, below
plain margin's 1.92x); any model-based strategies can still be given as `arms`."""


@dataclass
class BanditState:
    """What `auto` remembers about one labeling effort: the arms and their weights."""

    arms: list[StrategyInfo]
    log_weights: np.ndarray
    pulls: np.ndarray
    pending: dict | None = None
    last_reward: str = ""
    history: list[str] = field(default_factory=list)

    @property
    def arm_names(self) -> list[str]:
        return [arm.name for arm in self.arms]

    def probabilities(self, exploration: float) -> np.ndarray:
        """(n_arms,) EXP3's draw probabilities; each arm keeps at least exploration / n_arms."""
        weights = np.exp(self.log_weights - self.log_weights.max())
        return (1.0 - exploration) * weights / weights.sum() + exploration / len(self.arms)

    def drop(self, name: str) -> None:
        keep = [position for position, arm in enumerate(self.arms) if arm.name != name]
        self.arms = [self.arms[position] for position in keep]
        self.log_weights, self.pulls = self.log_weights[keep], self.pulls[keep]


def start_bandit(settings: dict, registry: Mapping[str, StrategyInfo]) -> BanditState:
    """A fresh memory over the arms named in `settings["arms"]`, looked up in `registry`.

    Arms that need no model (cold-start picks) are left out: the bandit runs once a model exists.
    """
    unknown = [name for name in settings["arms"] if name not in registry]
    if unknown:
        raise ValueError(f"auto cannot draw among unknown strategies {unknown}; choose among: {', '.join(registry)}.")
    arms = [registry[name] for name in settings["arms"] if registry[name].needs_model and name != "auto"]
    if not arms:
        raise ValueError("auto needs at least one model-based strategy among its arms (e.g. margin).")
    return BanditState(arms, np.zeros(len(arms)), np.zeros(len(arms), dtype=np.int64))


def holdout_gain(model, pool, batch: np.ndarray) -> tuple[float, float, float]:
    """(gain, accuracy without the batch, accuracy with it) on labeled rows neither fit saw.

    batch: (n,) rows just labeled. The rows labeled before them are split in
    two halves at random (seeded by their count, so the same labels give the
    same reward); a clone of `model` is fitted on one half, with and without
    the batch, and both are scored on the other half. (0, nan, nan) when
    there are too few earlier rows or classes to fit.
    """
    earlier = np.setdiff1d(pool.labeled_indices(), batch)
    shuffled = np.random.default_rng(len(earlier)).permutation(earlier)
    held, train = shuffled[: len(shuffled) // 2], shuffled[len(shuffled) // 2 :]
    codes = pool.label_codes
    if len(held) == 0 or len(np.unique(codes[train])) < 2:
        return 0.0, np.nan, np.nan
    enlarged = np.concatenate([train, batch])
    accuracies = []
    for rows in (train, enlarged):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # small fits may stop early; they still predict
            fitted = fit_estimator(make_model(model, 0), pool.X[rows], codes[rows])
        accuracies.append(float(np.mean(fitted.predict(pool.X[held]) == codes[held])))
    return accuracies[1] - accuracies[0], accuracies[0], accuracies[1]


def reward_arm(state: BanditState, arm: str, reward: float, probability: float, learning_rate: float) -> None:
    """EXP3's update: the drawn arm's log-weight grows by the reward over the probability it was drawn with."""
    state.log_weights[state.arm_names.index(arm)] += learning_rate * reward / probability


def learn_from_last_batch(state: BanditState, model, pool, learning_rate: float) -> None:
    """Reward the arm that chose the last batch, once (some of) its rows are labeled."""
    pending = state.pending
    if pending is None:
        return
    rows = np.sort(pending["rows"])
    answered = rows[pool.labeled_mask[rows]]
    if not len(answered) or pending["arm"] not in state.arm_names:
        return  # asked again before any answer: nothing learned yet
    reward, before, after = holdout_gain(model, pool, answered)
    reward_arm(state, pending["arm"], reward, pending["probability"], learning_rate)
    state.last_reward = (
        f"{pending['arm']} earned {reward:+.2f} last round "
        f"(held-out labeled rows went from {before:.0%} to {after:.0%} predicted right)"
    )
    state.pending = None


def auto(
    model,
    pool,
    batch_size: int,
    rng: np.random.Generator,
    candidates: np.ndarray,
    *,
    arms: tuple[str, ...] = ARMS,
    exploration: float = 0.2,
    learning_rate: float = 0.5,
    memory: BanditState | None = None,
) -> Query:
    """Scores: those of the strategy drawn this round (see `note` for which).

    exploration: EXP3's γ, the share of probability spread evenly over the arms.
    learning_rate: step on an arm's log-weight per unit of importance-weighted
        reward. EXP3's textbook γ / n_arms is tuned for thousands of rounds; a
        labeling effort has tens, so the bandit must move faster to matter.
    memory: the `BanditState` its caller keeps across rounds (`select` makes a
        fresh one when none is given: then nothing is learned between calls).
    """
    if memory is None:
        raise ValueError("auto needs its memory: call it through select(), which makes one, or pass memory=.")
    state = memory
    learn_from_last_batch(state, model, pool, learning_rate)
    while True:
        probabilities = state.probabilities(exploration)
        arm = int(rng.choice(len(state.arms), p=probabilities))
        name = state.arms[arm].name
        try:
            chosen = state.arms[arm].function(model, pool, batch_size, rng, candidates)
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
    }
    ranked = np.argsort(-probabilities)[:3]
    leaders = ", ".join(f"{state.arms[i].name} {probabilities[i]:.2f}" for i in ranked)
    note = f"auto chose {name} (drawn with probability {probabilities[arm]:.2f}; leading: {leaders})"
    if state.last_reward:
        note += f"; {state.last_reward}"
    return Query(chosen.indices, chosen.candidates, chosen.scores, "auto", note)


AUTO = StrategyInfo(
    "auto",
    auto,
    "Let a bandit pick the strategy each round (diverse_margin or margin), rewarding what the model learned.",
    new_memory=start_bandit,
)
