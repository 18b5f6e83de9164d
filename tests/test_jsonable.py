"""alcore.jsonable: every report and label cell becomes plain Python that json.dumps accepts."""

import json
import math

import numpy as np
import pandas as pd

from alcore.jsonable import plain, records


def test_numpy_scalars_become_python_and_missing_values_become_none():
    assert plain(np.float64(0.5)) == 0.5 and type(plain(np.float64(0.5))) is float
    assert plain(np.int64(3)) == 3 and type(plain(np.int64(3))) is int
    assert plain(np.bool_(True)) is True
    for missing in (None, math.nan, np.float64("nan"), pd.NA):
        assert plain(missing) is None
    assert plain("cat") == "cat"


def test_records_of_a_frame_dump_as_json_with_null_for_nan():
    frame = pd.DataFrame({"n": [1, 2], "score": [0.25, math.nan], "ok": [True, False], "name": ["a", None]})
    rows = records(frame)
    assert json.loads(json.dumps(rows)) == [
        {"n": 1, "score": 0.25, "ok": True, "name": "a"},
        {"n": 2, "score": None, "ok": False, "name": None},
    ]
