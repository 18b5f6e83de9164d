"""The class mix of picks: counted per batch in one pass, as counting each batch on its own would."""

import math

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from alcore.core.selection import class_list, class_shares, selection_mix

labels = st.one_of(st.none(), st.sampled_from(["cat", "dog", "Émeu", 3, 7]))
picks = st.lists(st.tuples(st.integers(1, 6), labels), max_size=60)


def _one_batch_at_a_time(given: pd.DataFrame, classes: list) -> list[tuple]:
    rows = []
    for batch in dict.fromkeys(given["batch"]):
        batch_labels = list(given.loc[given["batch"] == batch, "label"])
        for value in classes:
            count = sum(1 for label in batch_labels if label is not None and label == value)
            rows.append((batch, value, count, count / len(batch_labels)))
    return rows


@settings(max_examples=80, deadline=None)
@given(picks, st.lists(labels, max_size=30))
def test_selection_mix_counts_each_batch_as_it_was_given(rows, predictions):
    given_frame = pd.DataFrame(rows, columns=["batch", "label"]).astype({"label": object})
    mix = selection_mix(given_frame, predictions)
    classes = class_list(None, given_frame["label"], predictions)
    expected = _one_batch_at_a_time(given_frame, classes)
    assert list(mix[["batch", "class", "given", "given_share"]].itertuples(index=False, name=None)) == expected
    shares = class_shares(predictions, classes).to_numpy()
    if any(label is not None for label in predictions):
        assert np.allclose(mix["predicted_share"], np.tile(shares, len(mix) // max(len(classes), 1)))
    else:
        assert mix["predicted_share"].isna().all()


def test_the_model_of_each_batch_gives_its_own_reference_and_a_missing_one_none():
    given_frame = pd.DataFrame({"batch": [1, 1, 2], "label": ["a", "b", "a"]})
    mix = selection_mix(given_frame, {1: ["a", "a", "a", "b"]}, classes=["a", "b", "c"])
    assert list(mix["predicted_share"][:3]) == [0.75, 0.25, 0.0]
    assert all(math.isnan(share) for share in mix["predicted_share"][3:])
    assert list(mix["given_share"]) == [0.5, 0.5, 0.0, 1.0, 0.0, 0.0]


def test_missing_labels_are_no_class_and_classes_sort_as_text():
    assert class_list(None, pd.Series(["b", None, 10, "a", np.nan, 2])) == [10, 2, "a", "b"]
    assert list(class_shares(["x", None, "x", "y"], ["x", "y", "z"])) == [2 / 3, 1 / 3, 0.0]
    assert class_shares([], ["x"]).isna().all()
