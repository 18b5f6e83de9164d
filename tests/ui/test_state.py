"""The per-user Session: what makes earlier results and features stale."""

import pandas as pd

from alcore.io.datasets import group_into_ranges, make_dataset
from ui.state import Session


def test_regrouping_the_label_into_other_ranges_makes_a_new_dataset_key():
    frame = pd.DataFrame({"size": [i % 7 + 0.5 for i in range(40)], "price": [float(i * i) for i in range(40)]})
    state = Session()
    four = make_dataset(frame.assign(price=group_into_ranges(frame["price"], 4)), "price")
    state.set_dataset(four, "upload:abc")
    first_key = state.dataset_key
    state.comparison = "a comparison of the four ranges"
    state.set_dataset(make_dataset(frame.assign(price=group_into_ranges(frame["price"], 4)), "price"), "upload:abc")
    assert state.dataset_key == first_key and state.comparison is not None  # the same data again: kept
    state.set_dataset(make_dataset(frame.assign(price=group_into_ranges(frame["price"], 3)), "price"), "upload:abc")
    assert state.dataset_key != first_key and state.comparison is None
