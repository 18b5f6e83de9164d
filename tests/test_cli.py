"""The `alcore` command: real runs write the promised JSON; bad input exits 2 with a message, no traceback."""

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from alcore.cli import main


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "alcore.cli", *args], capture_output=True, text=True, timeout=300)


def test_simulate_a_demo_writes_curves_and_summary(tmp_path, capsys):
    out = tmp_path / "results.json"
    status = main(
        [
            "simulate",
            "demo:iris",
            "--strategies",
            "margin,entropy",
            "--seeds",
            "2",
            "--initial",
            "6",
            "--batch-size",
            "6",
            "--budget",
            "30",
            "--cost-per-label",
            "3",
            "--out",
            str(out),
        ]
    )
    assert status == 0
    printed = capsys.readouterr().out
    assert "margin" in printed and "entropy" in printed and "random" in printed
    document = json.loads(out.read_text())
    assert document["settings"]["strategies"] == ["random", "margin", "entropy"]
    assert {"strategy", "seed", "round", "n_labeled", "accuracy", "balanced_accuracy", "f1_macro"} <= set(
        document["curves"][0]
    )
    assert {row["strategy"] for row in document["summary"]} == {"random", "margin", "entropy"}
    assert document["dataset"]["n_rows"] == 150


def test_simulate_prints_money_saved_at_the_cost_and_currency_given(tmp_path, capsys):
    """--cost-per-label shows in the table whatever the verdict, in the currency given (issue 14)."""
    from alcore.experiment.report import saving_figures

    out = tmp_path / "results.json"
    args = ["simulate", "demo:iris", "--strategies", "margin", "--seeds", "2", "--initial", "6", "--budget", "30"]
    assert main([*args, "--cost-per-label", "2.5", "--currency", "€", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "cost per label €2.50" in printed and "money saved" in printed
    margin = next(row for row in json.loads(out.read_text())["summary"] if row["strategy"] == "margin")
    margin_line = next(line for line in printed.splitlines() if line.startswith("Margin (margin) "))
    assert saving_figures(margin, 2.5, "€")["money_saved"] in margin_line


def test_the_table_names_each_strategy_as_the_pages_do_with_the_code_name_to_pass_back():
    """The table said 'diverse_margin' where the pages, the headline and the charts say 'Margin, one per cluster
    (diverse_margin)'; the code name, the one --strategies takes, stays in brackets."""
    from alcore.cli import _format_summary
    from alcore.experiment.metrics import summarize
    from tests.experiment.test_metrics import comparison_of
    from tests.experiment.test_verdict import runs

    needed = {"random": [50] * 6, "diverse_margin": [30] * 6, "margin + semi-supervised": [40] * 6}
    lines = _format_summary(summarize(comparison_of(runs(needed)), target=0.9), 1.0, "$").splitlines()
    assert [line.split("  ")[0] for line in lines[2:]] == [
        "Random (random)",
        "Margin, one per cluster (diverse_margin)",
        "Margin + semi-supervised (margin + semi-supervised)",
    ]


def test_simulate_semi_supervised_adds_its_own_line_beside_the_plain_one(tmp_path, capsys):
    out = tmp_path / "results.json"
    args = ["simulate", "demo:iris", "--strategies", "margin", "--seeds", "2", "--initial", "6", "--budget", "24"]
    assert main([*args, "--semi-supervised", "--out", str(out)]) == 0
    assert "margin + semi-supervised" in capsys.readouterr().out
    document = json.loads(out.read_text())
    assert document["settings"]["strategies"] == ["random", "margin", "margin + semi-supervised"]
    assert document["settings"]["semi_supervised"] is True
    assert {row["strategy"] for row in document["summary"]} == {"random", "margin", "margin + semi-supervised"}


def test_simulate_a_csv_with_gaps_uses_only_labeled_rows(tmp_path, capsys):
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"size": rng.normal(size=200), "colour": rng.choice(["red", "blue", None], 200)})
    frame["label"] = np.where(frame["size"] > 0, "big", "small")
    frame.loc[:19, "label"] = None
    path = tmp_path / "table.csv"
    frame.to_csv(path, index=False)
    assert main(["simulate", str(path), "--target", "label", "--seeds", "1", "--initial", "4", "--budget", "30"]) == 0
    assert "margin" in capsys.readouterr().out


def test_simulate_leaves_out_a_class_seen_once_and_says_so(tmp_path, capsys):
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"size": rng.normal(size=120)})
    frame["label"] = np.where(frame["size"] > 0, "big", "small")
    frame.loc[0, "label"] = "huge"
    path = tmp_path / "table.csv"
    frame.to_csv(path, index=False)
    assert main(["simulate", str(path), "--target", "label", "--seeds", "1", "--initial", "4", "--budget", "20"]) == 0
    printed = capsys.readouterr()
    assert "note: The simulation leaves out class 'huge' with a single labeled row" in printed.err
    assert "119 labeled rows, 2 classes" in printed.err and "margin" in printed.out


def test_simulate_on_a_tiny_table_budgets_what_it_can_use_and_says_so_before_a_budget_beyond(tmp_path, capsys):
    """mtcars' 30 rows: 8 held out for testing leave 22 to label. The page's budget (32 there) was never
    reached, every run ended with its pool exhausted; the command, given no budget, now budgets those 22, and
    given more it says so before it runs, in the page's words (`budget_note`)."""
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"size": rng.normal(size=30), "weight": rng.normal(size=30)})
    frame["label"] = np.where(frame["size"] > 0, "big", "small")
    path, out = tmp_path / "tiny.csv", tmp_path / "results.json"
    frame.to_csv(path, index=False)
    common = ["simulate", str(path), "--target", "label", "--seeds", "2", "--initial", "4", "--out", str(out)]
    assert main(common) == 0
    document = json.loads(out.read_text())
    assert document["settings"]["budget"] == 22 and "budget is more" not in capsys.readouterr().err
    assert {row["reason"] for row in document["stop_reasons"]} == {"budget reached: 22 labels"}
    assert main([*common, "--budget", "32"]) == 0
    err = capsys.readouterr().err
    note = "note: A budget of 32 labels is more than this table can use: a simulation holds 8 of its 30 labeled rows"
    assert note in err and err.index(note) < err.index("Simulating")


def test_simulate_on_a_tiny_table_starts_from_a_quarter_of_it_and_says_so_before_initial_labels_beyond(
    tmp_path, capsys
):
    """mtcars' 30 rows leave 22 a run can label: the command kept its 20 initial labels there, so each strategy
    chose 2 rows (the page's cap gave 15). Given no --initial it now starts from the page's 5 (`initial_for`),
    and given 20 it says before the run that the strategies choose only 2 (`initial_note`)."""
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"size": rng.normal(size=30), "weight": rng.normal(size=30)})
    frame["label"] = np.where(frame["size"] > 0, "big", "small")
    path, out = tmp_path / "tiny.csv", tmp_path / "results.json"
    frame.to_csv(path, index=False)
    common = ["simulate", str(path), "--target", "label", "--seeds", "2", "--out", str(out)]
    assert main(common) == 0
    document = json.loads(out.read_text())
    assert document["settings"]["initial"] == 5 and "Strategies choose" not in capsys.readouterr().err
    assert min(row["n_labeled"] for row in document["curves"]) == 5
    assert main([*common, "--initial", "20"]) == 0
    err = capsys.readouterr().err
    note = "note: Strategies choose only 2 of each run's 22 labels: the other 20 are the initial ones"
    assert note in err and err.index(note) < err.index("Simulating")


def test_lists_strategies_and_demos(capsys):
    assert main(["strategies"]) == 0 and "Spread over the data, k-center: Pick rows far" in capsys.readouterr().out
    assert main(["demos"]) == 0 and "digits" in capsys.readouterr().out


def hostile_files(tmp_path):
    rng = np.random.default_rng(0)
    (tmp_path / "empty.csv").write_bytes(b"")
    (tmp_path / "garbage.csv").write_bytes(bytes(rng.integers(0, 256, 4096, dtype=np.uint8)))
    (tmp_path / "one_column.csv").write_text("label\na\nb\na\n")
    pd.DataFrame({"x": range(30), "y": rng.normal(size=30), "label": "same"}).to_csv(
        tmp_path / "one_class.csv", index=False
    )
    wide = pd.DataFrame(rng.normal(size=(20, 10_000)), columns=[f"c{i}" for i in range(10_000)])
    wide["label"] = ["a", "b"] * 10
    wide.to_csv(tmp_path / "wide.csv", index=False)
    return ["empty.csv", "garbage.csv", "one_column.csv", "one_class.csv", "wide.csv", "missing.csv"]


def test_hostile_files_end_with_a_message_and_status_2(tmp_path):
    for name in hostile_files(tmp_path):
        result = run_cli("simulate", str(tmp_path / name), "--target", "label", "--seeds", "1")
        assert result.returncode == 2, (name, result.stderr)
        assert "Traceback" not in result.stderr, name
        assert result.stderr.startswith("alcore: ") and len(result.stderr) > 30, name


@pytest.mark.parametrize(
    "args, phrase",
    [
        (["simulate", "demo:nope"], "alcore demos"),
        (["simulate", "demo:iris", "--strategies", "telepathy"], "alcore strategies"),
        (["simulate", "demo:iris", "--target", "no_such_column"], "no_such_column"),
    ],
)
def test_wrong_names_say_where_to_look(args, phrase, capsys):
    assert main(args) == 2
    assert phrase in capsys.readouterr().err


def test_a_table_without_target_gets_the_dashboards_guess_to_copy(tmp_path, capsys):
    """On MASS's Cars93 the command said only "Say which column holds the labels" while the Data page guessed Type."""
    path = tmp_path / "cars.csv"
    path.write_text(
        "Make,Body type,Price\n" + "".join(f"m{i},{'SUV' if i % 2 else 'Small'},{10 + i}\n" for i in range(20))
    )
    assert main(["simulate", str(path), "--seeds", "1"]) == 2
    assert "--target 'Body type' for this table" in capsys.readouterr().err


def test_a_strategy_setting_is_used_and_recorded(tmp_path, capsys):
    out = tmp_path / "results.json"
    common = ["simulate", "demo:iris", "--strategies", "qbc_vote_entropy", "--seeds", "1", "--budget", "30"]
    assert main([*common, "--setting", "qbc_vote_entropy.n_members=1", "--out", str(out)]) == 0
    document = json.loads(out.read_text())
    assert document["settings"]["strategy_settings"] == {"random": {}, "qbc_vote_entropy": {"n_members": 1}}


@pytest.mark.parametrize(
    "setting,message",
    [
        ("qbc_vote_entropy.size=3", "has no setting 'size'; its settings: n_members"),
        ("badge.anything=1", "not among the strategies compared"),
        ("n_members=3", "STRATEGY.SETTING=VALUE"),
    ],
)
def test_a_wrong_setting_exits_2_saying_what_to_do(setting, message, capsys):
    try:
        status = main(
            ["simulate", "demo:iris", "--strategies", "qbc_vote_entropy", "--seeds", "1", "--setting", setting]
        )
    except SystemExit as stopped:  # argparse refuses a malformed argument itself
        status = stopped.code
    assert status == 2
    assert message in capsys.readouterr().err


def test_a_quantity_label_asks_for_ranges_and_ranges_run(tmp_path, capsys):
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({"x": rng.normal(size=150), "age": rng.integers(18, 81, 150)})
    frame.to_csv(tmp_path / "people.csv", index=False)
    assert main(["simulate", str(tmp_path / "people.csv"), "--target", "age", "--seeds", "1"]) == 2
    assert "'age' looks like a number to predict" in capsys.readouterr().err
    argv = [
        "simulate",
        str(tmp_path / "people.csv"),
        "--target",
        "age",
        "--ranges",
        "3",
        "--seeds",
        "1",
        "--budget",
        "40",
    ]
    assert main(argv) == 0
    assert "labeled rows, 3 classes" in capsys.readouterr().err


@pytest.mark.parametrize(
    "option, value", [("--seeds", "0"), ("--batch-size", "0"), ("--initial", "1"), ("--test-size", "1.5")]
)
def test_settings_no_simulation_can_run_with_are_refused_in_words(option, value, capsys):
    assert main(["simulate", "demo:iris", option, value]) == 2
    assert option.lstrip("-").replace("-", " ").split()[0] in capsys.readouterr().err
