"""A person labels what the model asks: the engine behind the labeling page.

`LabelingSession` joins the durable store (`alcore.labeling.store`), the pool and the
learner. The store is the only truth: after every change the session reloads
the current labels from it, so labels written by another tab or process are
always included, and a restarted server loses nothing that was submitted.

Decisions (documented here so the page and monitoring can rely on them):
- Labels already in the label column, when the project does not simulate,
  are imported as one submitted batch by the labeler "imported" (they count,
  show in the history and can be relabeled one by one; undo never takes
  them back). When it simulates, the column is the oracle and the project
  starts with no labels.
- Rows skipped ("not sure") in a batch are not asked in the very next batch,
  but may be asked again later.
- Several labelers: the session is opened for one person (`holder`, their
  name). Their batch reserves its rows for them (the store's lease, setting
  `lease_seconds`, renewed by `renew()`), no batch takes a row someone else
  holds or labeled, and reopening the project resumes their own open batch.
  An answer that arrives after someone else labeled the row is kept as a
  second opinion (`last_submitted.late` says which), and undo takes back only
  the person's own batches.
- Held-out rows (setting `holdout_share`): a fixed random set of rows whose
  labels are asked for evaluation only; each batch carries enough of them to
  keep their share of the labels, and the model never trains on them.
- Second opinions (setting `second_opinion_share`, 0 = off): that share of
  each answered batch is asked again in the next batch of a different
  labeler (`alcore.labeling.second_opinion`), with the model's guess hidden so it
  does not sway them; the newest label counts, and monitoring compares both.
- Quality and advice are computed lazily from the event log (`alcore.labeling.quality`)
  and cached per batch in the project's settings: submit() stays fast.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from alcore.core.learner import DEFAULT_STRATEGY, ActiveLearner
from alcore.core.models import DEFAULT_MODEL, make_model
from alcore.core.pool import EmptyPoolError, LabelSource, Pool
from alcore.core.strategies import get_strategy, strategy_label, strategy_settings
from alcore.formatting import counted
from alcore.io.datasets import DataError, Dataset, make_dataset, to_features
from alcore.jsonable import plain
from alcore.labeling import export
from alcore.labeling.quality import (
    IMPORTED_BATCH,
    IMPORTED_LABELER,
    QualityHistory,
    numbered_batches,
    stopping_advice,
)
from alcore.labeling.second_opinion import waiting_for_second_opinion
from alcore.labeling.store import (
    LEASE_SECONDS,
    Batch,
    BatchClosed,
    ProjectStore,
    RowsTaken,
    StoreError,
    StoreWriteError,
    Submitted,
)

ORACLE_LABELER = "simulated oracle"
STOP_SET_SIZE = 1000
OPEN_ATTEMPTS = 20
"""Tries to hand out a batch when others take its rows first (each try leaves out the rows taken). Labelers
working at the same pace on the same model pick the same rows: a clash is common, a long run of them is not."""
SPARE_BATCHES = 20
"""Spare rows a new batch carries, in batches' worth: enough for as many labelers asking at the same
moment, whose models rank the rows alike, to each get free rows from one query (`ProjectStore.open_batch`)."""
FIT_THREADS = 1
"""BLAS threads for fits on the (small) labeled set. On the shared 2-core machine a 100-row logreg fit
took a median 0.49 s with 2 BLAS threads and 0.018 s with one: threads spinning over tiny matrices."""
_SOURCES = {IMPORTED_LABELER: LabelSource.INITIAL, ORACLE_LABELER: LabelSource.ORACLE}


@dataclass
class BatchView:
    """What the page shows for one batch (empty when nothing is left to ask).

    rows: pool row ids, most wanted first; table: the rows' fields (label
    column left out), index = row id; guesses/confidences: the current model's
    predicted class and its probability per row (None while cold); scores:
    the strategy's score per row; reason: why this batch, in words;
    row_reasons: why each row; oracle: the label column's answers when the
    project simulates, else None.
    """

    batch_id: int | None
    rows: list[int]
    table: pd.DataFrame
    guesses: list
    confidences: list[float | None]
    scores: list[float]
    reason: str
    is_cold: bool
    oracle: list | None = None
    row_reasons: list[str] = field(default_factory=list)
    strategy: str = ""
    round_number: int = 0

    def __len__(self) -> int:
        return len(self.rows)


def row_reason(strategy: str, score: float, held_out: bool = False, second_opinion: bool = False) -> str:
    """Why one row was picked, in words, from its strategy score."""
    if second_opinion:
        return "second opinion: someone else labeled this row; label it as you see it (the model's guess is hidden)"
    if held_out:
        return "held out: its label measures the model, which never trains on it"
    if score is None or np.isnan(score):
        return f"picked by {strategy_label(strategy)}"
    if strategy in ("margin", "diverse_margin"):
        return f"least sure: the top two classes are {1 - score:.2f} apart"
    if strategy == "least_confidence":
        return f"least sure: the most likely class has only {1 - score:.0%}"
    if strategy == "entropy":
        return f"uncertain: entropy {score:.2f}"
    if strategy == "kcenter" and score == 0:
        return "a random first pick; the others are far from it and from each other"
    if strategy == "kcenter":
        return f"far from the labeled rows: distance {score:.2f}"
    if strategy == "random":
        return "picked at random"
    return f"{strategy_label(strategy)} score {score:.3g}"


class NextBatchError(StoreError):
    """The answers were saved, but the next batch could not be prepared (the store refused a write)."""

    def __init__(self, saved: Submitted, error: StoreWriteError):
        self.saved = saved
        super().__init__(
            f"Your answers were saved ({len(saved.labeled)} labels). The next batch could not be prepared: "
            f"{error.reason}; {error.what_to_do} (press Save again for the next batch)."
        )


def _check_share(share: float) -> None:
    if not 0 <= share <= 1:
        raise ValueError(f"second_opinion_share is a share of each batch, from 0 (off) to 1, not {share}.")


IDLE_LEASES = 2
"""A person idle for this many leases (30 minutes at the default) stops renewing theirs: see `renew`."""


class LabelingSession:
    """One open labeling project: use `create` or `open`, not the constructor."""

    def __init__(self, store: ProjectStore, project, dataset: Dataset, X, holder: str | None = None):
        self.store, self.project_id, self.name, self.holder = store, project.id, project.name, holder
        self.last_submitted = Submitted()
        self.write_problem = ""  # why no batch could be handed out (the store cannot be written), if so
        self.settings: dict = project.settings
        self.classes: list = list(project.classes)
        self.dataset, self.X = dataset, X
        seed = self.settings.get("random_state", 0)
        n_rows = len(dataset.frame)
        self.holdout_order = self._holdout_order(n_rows, seed, float(self.settings.get("holdout_share") or 0.0))
        self.stop_set = np.sort(
            np.random.default_rng([seed, 2]).choice(n_rows, min(STOP_SET_SIZE, n_rows), replace=False)
        )
        self.oracle = (
            np.array([plain(v) for v in dataset.labels()], dtype=object) if self.settings.get("simulate") else None
        )
        self.learner = ActiveLearner(
            self.settings["model"],
            self.settings["strategy"],
            self.settings["batch_size"],
            self.settings["cold_start"],
            random_state=seed,
            semi_supervised=bool(self.settings.get("semi_supervised", False)),
            strategy_params=self.settings.get("strategy_settings"),  # absent in projects made before settings
        )
        self._batch: Batch | None = None
        self._second_rows: set[int] = set()  # rows of the open batch asked as second opinions

    @staticmethod
    def _holdout_order(n_rows: int, seed: int, share: float) -> np.ndarray:
        """Held-out rows in the order they are asked: a fixed random ceil(share * n_rows) rows."""
        if share <= 0:
            return np.empty(0, dtype=np.int64)
        return np.random.default_rng([seed, 1]).permutation(n_rows)[: int(np.ceil(share * n_rows))]

    # -- creating and opening ------------------------------------------------
    @classmethod
    def create(
        cls,
        store: ProjectStore,
        name: str,
        dataset: Dataset,
        classes: list,
        model: str = DEFAULT_MODEL,
        strategy: str = DEFAULT_STRATEGY,
        batch_size: int = 10,
        cold_start: str = "kcenter",
        cost_per_label: float = 1.0,
        simulate: bool = False,
        budget: int | None = None,
        holdout_share: float = 0.0,
        random_state: int = 0,
        second_opinion_share: float = 0.0,
        labeler: str | None = None,
        semi_supervised: bool = False,
        strategy_params: dict | None = None,
        owner: str | None = None,
        most_owned: int | None = None,
    ) -> LabelingSession:
        """Persist a project (table, label column, roles, classes, settings) and open its first batch
        (for `labeler`, who then holds it).

        semi_supervised: the model also learns from the unlabeled rows it is surest of, at most
        as many per class as the class has labels (`ActiveLearner`'s self-training); their
        guesses are never stored as labels.
        strategy_params: the strategy's settings (e.g. {"n_members": 7}); the project
        records every setting of its strategy, defaults included.
        owner, most_owned: the signed-in person made its owner, and how many projects one may own
        (`ProjectStore.create_project`; TooManyProjects beyond it, before anything is stored).
        """
        make_model(model)
        chosen_settings = strategy_settings(strategy, **(strategy_params or {}))
        if get_strategy(cold_start).needs_model:
            raise ValueError(f"The cold-start strategy {cold_start!r} needs a model; choose kcenter or random.")
        if not 0 <= holdout_share < 1:
            raise ValueError("holdout_share is a share of the rows, from 0 up to (not including) 1.")
        _check_share(second_opinion_share)
        if semi_supervised and holdout_share > 0:
            raise ValueError(
                "Held-out rows measure quality on rows the model never learned from, but a semi-supervised model "
                "learns from every unlabeled row, held-out ones included. Turn one of the two off."
            )
        present = [plain(value) for value in dataset.labels()]
        if simulate and all(value is None for value in present):
            raise DataError(
                f"The label column '{dataset.label_column}' is empty, so there is no oracle to "
                "simulate. Turn simulation off and label the rows yourself."
            )
        found = sorted({value for value in present if value is not None}, key=str)
        as_found = {str(value): value for value in found}  # a typed "1" is the column's 1, not a new class
        classes = list(dict.fromkeys([as_found.get(str(plain(c)), plain(c)) for c in classes] + found))
        settings = {
            "roles": {column: getattr(role, "value", role) for column, role in dataset.roles.items()},
            "dataset_name": dataset.name,
            "model": model,
            "strategy": strategy,
            "strategy_settings": chosen_settings,
            "batch_size": int(batch_size),
            "cold_start": cold_start,
            "cost_per_label": float(cost_per_label),
            "simulate": bool(simulate),
            "budget": budget,
            "holdout_share": float(holdout_share),
            "random_state": random_state,
            "second_opinion_share": float(second_opinion_share),
            "semi_supervised": bool(semi_supervised),
        }
        project = store.create_project(
            name, dataset.frame, dataset.label_column, classes, settings, owner=owner, most_owned=most_owned
        )
        if not simulate and any(value is not None for value in present):
            imported = {row: value for row, value in enumerate(present) if value is not None}
            batch = store.open_batch(
                project.id, list(imported), strategy="imported", reason="labels already in the table", round_number=0
            )
            store.submit_batch(project.id, batch.id, imported, IMPORTED_LABELER)
            project.settings = store.update_settings(project.id, {"imported_batch_id": batch.id})
        session = cls(store, project, dataset, to_features(dataset), labeler)
        session._refresh()
        session._open_next()
        return session

    @classmethod
    def open(cls, store: ProjectStore, project_id: int | str, labeler: str | None = None) -> LabelingSession:
        """Reload a project for `labeler`: labels from the store, the model refit, and their own open
        batch as it was (None: the project's newest open batch, for one person working alone)."""
        project = store.load_project(project_id)
        roles = project.settings.get("roles")
        dataset = make_dataset(
            project.frame, project.label_column, roles=roles, name=project.settings.get("dataset_name", "")
        )
        session = cls(store, project, dataset, to_features(dataset), labeler)
        session._refresh()
        session._batch = store.current_batch(project.id, labeler)
        try:
            if session._batch is not None and labeler is not None and not session.renew():
                session._batch = None  # their lease ran out and someone else has some of its rows now
            if session._batch is None or session.pool.labeled_mask[session._batch.rows].all():
                session._open_next()
        except StoreWriteError as error:  # a read-only or full store: the labels can still be seen and exported
            session._batch, session.write_problem = None, str(error)
        return session

    @property
    def lease_seconds(self) -> float:
        return float(self.settings.get("lease_seconds") or LEASE_SECONDS)

    def renew(self, idle_seconds: float = 0.0) -> bool:
        """Keep this person's open batch reserved (the page calls it on every rerun and once a minute).
        False when it is no longer theirs: its lease ran out and others took some of its rows.

        idle_seconds: how long since this person last did anything. Past IDLE_LEASES leases the batch is not
        renewed but left to run out, so that rows in a tab left open overnight go to the others; their next
        action renews it, or tells them that others took some of it.
        """
        if self._batch is None or self.holder is None:
            return True
        if idle_seconds > IDLE_LEASES * self.lease_seconds:
            return True  # still theirs until the lease runs out; not renewed
        return self.store.renew_lease(self.project_id, self._batch.id, self.holder, self.lease_seconds)

    def switch_holder(self, labeler: str) -> None:
        """Another name in the name box: give back the old name's batch, resume or open the new name's."""
        if labeler == self.holder:
            return
        if self.holder is not None:
            self.store.release(self.project_id, self.holder)
        self.holder = labeler
        self._refresh()
        self._batch = self.store.current_batch(self.project_id, labeler)
        if self._batch is None or not self.renew() or self.pool.labeled_mask[self._batch.rows].all():
            self._open_next()

    def close(self) -> None:
        """The person leaves the project: their open batch's rows go back to the others at once."""
        if self.holder is not None:
            self.store.release(self.project_id, self.holder)

    # -- state ----------------------------------------------------------------
    @property
    def is_cold(self) -> bool:
        """True while no model can be trained (fewer than two classes labeled)."""
        return bool(self.learner.is_cold_)

    def _refresh(self) -> None:
        """Current labels from the store into a fresh pool (other tabs' too), then refit."""
        labels = self.store.labels(self.project_id)
        self.pool = Pool(self.X, self.classes)
        for labeler, group in labels.groupby(labels["labeler"].map(lambda who: _SOURCES.get(who, LabelSource.PERSON))):
            self.pool.record_labels(group["row"].to_numpy(), group["label"].tolist(), labeler)
        self.classes = self.pool.classes
        self.train_pool = self.pool
        held_out = self.holdout_order[self.pool.labeled_mask[self.holdout_order]]
        if len(held_out):
            self.train_pool = self.pool.copy()
            self.train_pool.forget(held_out)
        self.learner.fit(self.train_pool)

    def _holdout_to_ask(self, exclude: np.ndarray) -> np.ndarray:
        """Unlabeled held-out rows to add to the next batch, keeping their share of all labels."""
        if len(self.holdout_order) == 0:
            return np.empty(0, dtype=np.int64)
        share = self.settings["holdout_share"]
        labeled = self.pool.labeled_mask[self.holdout_order]
        wanted = int(np.ceil(share * (self.pool.n_labeled + self.learner.batch_size))) - int(labeled.sum())
        waiting = self.holdout_order[~labeled & ~np.isin(self.holdout_order, exclude)]
        return waiting[: max(0, min(wanted, self.learner.batch_size - 1))]

    def _second_opinions_to_ask(self, labeler: str | None, exclude: np.ndarray, room: int) -> np.ndarray:
        """Rows another person labeled that wait for `labeler`'s second opinion (at most `room`)."""
        share = float(self.settings.get("second_opinion_share") or 0.0)
        if share <= 0 or labeler is None or room <= 0:
            return np.empty(0, dtype=np.int64)
        waiting = waiting_for_second_opinion(
            self.store.events(self.project_id),
            share,
            self.settings.get("random_state", 0),
            labeler,
            [self.settings.get("imported_batch_id")],
        )
        return waiting[~np.isin(waiting, exclude)][:room]

    def _open_next(self, skipped=(), round_number: int | None = None, labeler: str | None = None) -> BatchView:
        """Query the next batch for `labeler` (default: the holder) and record it as theirs.

        Never a labeled row (bar second opinions) nor one someone else holds: the store checks both in
        the same transaction that records the batch, and when another labeler was faster, the rows they
        took are left out and the query runs again.
        """
        holder = labeler if labeler is not None else self.holder
        avoid = np.asarray(list(skipped), dtype=np.int64)
        if round_number is None:
            round_number = (
                1 + max([0] + [int(r) for r in self.store.labels(self.project_id)["round"]])
                if self._batch is None
                else self._batch.round_number + 1
            )
        for _ in range(OPEN_ATTEMPTS):
            held = self.store.held_rows(self.project_id, holder)
            rows, scores, reason, seconds, spares = self._next_rows(np.concatenate([avoid, held]), held, holder)
            if not rows:
                self._batch = None
                return self.current_batch()
            try:
                self._batch = self.store.open_batch(
                    self.project_id,
                    rows,
                    scores,
                    self.learner.cold_start if self.is_cold else self.learner.strategy,
                    reason,
                    round_number,
                    holder=holder,
                    lease_seconds=self.lease_seconds,
                    second_opinions=seconds,
                    spares=spares,
                )
                self._second_rows = set(seconds)  # labeled by someone after this session last read the labels
                return self.current_batch()
            except RowsTaken as taken:  # no refit: it would only widen the window for the next clash
                avoid = np.concatenate([avoid, np.asarray(taken.rows, dtype=np.int64)])
        raise StoreError("Other labelers kept taking the rows picked for you; press the button again.")

    def _next_rows(
        self, avoid: np.ndarray, held: np.ndarray, labeler: str | None
    ) -> tuple[list, list, str, list, dict]:
        """(rows, scores, reason, second-opinion rows, spares) of the next batch: the strategy's picks,
        held-out rows, second opinions, and the next best candidates {row: score} (best first) for the
        store to put in place of picks another labeler took meanwhile. A row another process labeled
        since this one last read the labels is still unlabeled to the model and may be picked; as a
        second opinion it is asked only once."""
        held_out = self._holdout_to_ask(avoid)
        try:
            query = self.learner.query(self.train_pool, np.concatenate([self.holdout_order, avoid]))
        except EmptyPoolError:
            try:  # only skipped rows are left: ask them rather than nothing (never rows others hold)
                query = self.learner.query(self.train_pool, np.concatenate([self.holdout_order, held]))
            except EmptyPoolError:
                query = None
        seconds = self._second_opinions_to_ask(labeler, avoid, self.learner.batch_size - 1 - len(held_out))
        room = self.learner.batch_size - len(held_out) - len(seconds)
        chosen = set(held_out.tolist()) | set(seconds.tolist())
        picked = [] if query is None else [row for row in query.indices.tolist() if row not in chosen][:room]
        rows = picked + held_out.tolist() + seconds.tolist()
        scores = ([] if query is None else query.score_of(np.asarray(picked, dtype=np.int64)).tolist()) + [
            float("nan")
        ] * (len(held_out) + len(seconds))
        name = self.learner.cold_start if self.is_cold else self.learner.strategy
        reason = self._batch_reason(name, len(held_out), len(seconds), query.note if query else "")
        spares = {}
        if query is not None:
            in_batch = set(rows)
            ranked = np.argsort(-query.scores, kind="stable")[: len(rows) * (SPARE_BATCHES + 1)]
            spares = {
                int(query.candidates[i]): float(query.scores[i])
                for i in ranked
                if int(query.candidates[i]) not in in_batch
            }
        return rows, scores, reason, seconds.tolist(), spares

    def _batch_reason(self, strategy: str, n_held_out: int, n_second: int = 0, note: str = "") -> str:
        if self.is_cold:
            how = (
                "picked to cover the data (kcenter: far from each other and from labeled rows)"
                if strategy == "kcenter"
                else f"picked by {strategy_label(strategy)}: {get_strategy(strategy).description}"
            )
            reason = f"cold start: fewer than two classes are labeled, so there is no model yet; rows {how}"
        elif strategy == "diverse_margin":
            reason = (
                "among the rows the model is least sure about, one from each group of similar rows, "
                f"so no two rows of the batch ask the same question ({strategy_label(strategy)})"
            )
        elif strategy in ("margin", "least_confidence", "entropy"):
            reason = f"the rows the model is least sure about, by {strategy_label(strategy)}"
        else:
            reason = f"picked by {strategy_label(strategy)}: {get_strategy(strategy).description}"
        if note:  # e.g. which strategy `auto` chose this round, and why
            reason += f" ({note})"
        if n_held_out:
            reason += f"; {counted(n_held_out, 'held-out row')} to measure quality (never trained on)"
        if n_second:
            reason += f"; {counted(n_second, 'row')} someone else labeled, for a second opinion"
        return reason

    # -- the batch ------------------------------------------------------------
    def current_batch(self) -> BatchView:
        """The open batch with the current model's guesses (empty view when nothing is left)."""
        batch = self._batch
        if batch is None:
            reason = self.write_problem or (
                "every row is labeled" if self.pool.n_unlabeled == 0 else "nothing left to ask right now"
            )
            return BatchView(
                None,
                [],
                self.dataset.frame.iloc[:0].drop(columns=[self.dataset.label_column]),
                [],
                [],
                [],
                reason,
                self.is_cold,
            )
        rows = np.asarray(batch.rows, dtype=np.int64)
        guesses, confidences = [None] * len(rows), [None] * len(rows)
        if not self.is_cold:
            proba = self.learner.predict_proba(self.train_pool, rows)
            guesses = [self.classes[code] for code in proba.argmax(axis=1)]
            confidences = proba.max(axis=1).tolist()
        # A row in an open batch that is already labeled is there for a second opinion: hide the
        # model's guess, which learned the first label and would sway the second labeler.
        second = self.pool.labeled_mask[rows] | np.isin(rows, list(self._second_rows))
        guesses = [None if hide else guess for guess, hide in zip(guesses, second)]
        confidences = [None if hide else confidence for confidence, hide in zip(confidences, second)]
        scores = batch.scores if batch.scores is not None else [float("nan")] * len(rows)
        held_out = set(self.holdout_order.tolist())
        return BatchView(
            batch_id=batch.id,
            rows=rows.tolist(),
            table=self.dataset.frame.loc[rows].drop(columns=[self.dataset.label_column]),
            guesses=guesses,
            confidences=confidences,
            scores=list(scores),
            reason=batch.reason,
            is_cold=self.is_cold,
            oracle=None if self.oracle is None else self.oracle[rows].tolist(),
            row_reasons=[
                row_reason(batch.strategy, score, row in held_out, bool(again))
                for row, score, again in zip(batch.rows, scores, second)
            ],
            strategy=batch.strategy,
            round_number=batch.round_number,
        )

    def submit(self, labels: Mapping[int, Hashable | None], labeler: str) -> BatchView:
        """Save the answers (None = skip) FIRST, then reload all labels, refit and open the next batch.

        Raises BatchClosed when another tab undid this batch; the session has then moved to a fresh batch.
        """
        if self._batch is None:
            raise ValueError("There is no open batch to submit: every row is labeled.")
        try:
            saved = self.store.submit_batch(self.project_id, self._batch.id, labels, labeler)
        except BatchClosed:  # another tab undid this batch: move on to a fresh one, then say so
            self._refresh()
            self._batch = self.store.current_batch(self.project_id, self.holder)
            if self._batch is None:
                self._open_next()
            raise
        self.last_submitted, self.holder = saved, labeler
        try:
            self._refresh()
            return self._open_next(skipped=[row for row, label in labels.items() if label is None], labeler=labeler)
        except StoreWriteError as error:  # saved, but no next batch: say exactly that; Save again retries
            raise NextBatchError(saved, error) from error

    def submit_oracle(self, labeler: str = ORACLE_LABELER) -> BatchView:
        """Simulate: answer the open batch from the label column (missing cells are skipped)."""
        if self.oracle is None:
            raise ValueError("This project does not simulate: its label column is not an oracle.")
        view = self.current_batch()
        return self.submit(dict(zip(view.rows, view.oracle)), labeler)

    def can_undo(self, labeler: str, anyone: bool = False) -> bool:
        """True when `labeler` has a submitted batch to take back (imported labels are nobody's to undo);
        with `anyone` (a project's owner), when anyone but the import has one."""
        return labeler != IMPORTED_LABELER and any(
            batch.status == "submitted"
            and (batch.submitted_by == labeler or (anyone and batch.submitted_by != IMPORTED_LABELER))
            for batch in self.store.batches(self.project_id)
        )

    def undo_last_batch(self, labeler: str, anyone: bool = False) -> BatchView:
        """Take back `labeler`'s own last submitted batch (with `anyone`, the project's last one, whoever
        submitted it: for owners) as undo events recorded by `labeler`, and ask its rows again."""
        if not self.can_undo(labeler, anyone):
            return self.current_batch()
        undone = self.store.undo_last_batch(self.project_id, labeler, anyone=anyone)
        self._refresh()
        if undone is None:
            return self.current_batch()
        again = [
            (row, score)
            for row, score in zip(undone.rows, undone.scores or [float("nan")] * len(undone.rows))
            if not self.pool.labeled_mask[row]
        ]
        try:
            if again:
                self._batch = self.store.open_batch(
                    self.project_id,
                    [row for row, _ in again],
                    [s for _, s in again],
                    undone.strategy,
                    f"asked again after undo; first asked as: {undone.reason}",
                    undone.round_number,
                    holder=labeler,
                    lease_seconds=self.lease_seconds,
                )
                self.holder = labeler
                return self.current_batch()
        except RowsTaken:
            pass  # someone was handed some of them meanwhile: a fresh batch instead
        return self._open_next(labeler=labeler)

    def relabel(self, row: int, label, labeler: str) -> None:
        """Change one row's label (from the history table); recorded as a relabel event."""
        self.store.relabel(self.project_id, row, label, labeler)
        self._refresh()

    def set_second_opinion_share(self, share: float) -> None:
        """Send `share` (0 to 1; 0 = off) of each answered batch to a second labeler from now on."""
        _check_share(share)
        self.settings = self.store.update_settings(self.project_id, {"second_opinion_share": float(share)})

    def add_class(self, value) -> None:
        """A class the labelers discovered; the page can offer it at once."""
        self.classes = self.store.add_class(self.project_id, value)
        self._refresh()

    # -- reading --------------------------------------------------------------
    def history(self) -> pd.DataFrame:
        """Every label event (store.events), oldest first, with a short preview of its row."""
        events = self.store.events(self.project_id)
        events["preview"] = export.row_previews(self.dataset, events["row"].to_numpy())
        return events

    def progress(self) -> dict:
        """n_labeled, n_unlabeled, n_skipped (skipped and still unlabeled), by_class, batches_submitted (every
        batch answered, the undone ones too: the numbers people saw), batches_undone, n_held_out."""
        events = self.store.events(self.project_id)
        numbered = numbered_batches(events, self.settings.get("imported_batch_id"))
        loop = numbered[numbered["batch"] != IMPORTED_BATCH]
        skipped = events.loc[events["kind"] == "skip", "row"].unique()
        return {
            "n_labeled": self.pool.n_labeled,
            "n_unlabeled": self.pool.n_unlabeled,
            "n_skipped": int((~self.pool.labeled_mask[skipped]).sum()) if len(skipped) else 0,
            "by_class": self.pool.class_counts(),
            "batches_submitted": len(loop),
            "batches_undone": int(loop["undone"].sum()),
            "n_held_out": int(self.pool.labeled_mask[self.holdout_order].sum()),
        }

    def quality(self) -> pd.DataFrame:
        """Per submitted batch: batch, batch_id, n_labeled, estimate, low, high, method, changed.

        Computed for batches not yet in the cache (the project settings), then cached.
        """
        history = QualityHistory(
            self.X,
            self.classes,
            self.settings["model"],
            self.settings.get("random_state", 0),
            self.holdout_order,
            self.stop_set,
            self.settings.get("quality_cache"),
        )
        with threadpool_limits(FIT_THREADS):
            curve = history.curve(self.store.events(self.project_id), self.settings.get("imported_batch_id"))
        if history.dirty and not self.store.read_only:
            try:
                self.settings = self.store.update_settings(self.project_id, {"quality_cache": history.cache})
            except StoreWriteError:
                pass  # only a cache: the curve is right, it is computed again next time
        return curve

    def advice(self) -> str:
        """The stopping advisor in words (stable predictions, plateau, budget, or keep going)."""
        return stopping_advice(
            self.quality(), self.pool.n_labeled, self.pool.n_unlabeled, self.settings.get("budget"), self.is_cold
        )

    # -- export (alcore.labeling.export) -----------------------------------------------
    def labeled_table(self) -> pd.DataFrame:
        """Labeled rows: original columns (label column = current label) + labeled_by + labeled_at."""
        return export.labeled_table(self.dataset, self.store.labels(self.project_id))

    def predictions_table(self, review_share: float = 0.1) -> pd.DataFrame:
        """Every row: given labels kept; for the rest the model's label, confidence, needs_review."""
        return export.predictions_table(
            self.dataset, self.store.labels(self.project_id), self.learner, self.train_pool, review_share
        )

    def model_bytes(self) -> bytes:
        """joblib file of the feature transform + classifier (predicts class labels from raw rows)."""
        return export.model_bytes(self.dataset, self.learner, self.train_pool)
