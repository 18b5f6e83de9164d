"""Are two results JSON files of `alcore simulate` the same run? Prints every difference.

Used to show that a refactoring changed no result: run the same command at two
commits (e.g. an old one in a throwaway `git worktree`, with PYTHONPATH pointing
at it) and compare. Timings (`query_seconds`, `fit_seconds`) always differ and
are left out; fields only the newer file has (new settings) are listed, not
counted as differences. Exit status 0 when nothing else differs, 1 otherwise.

    python benchmarks/compare_results.py old.json new.json
"""

from __future__ import annotations

import json
import math
import sys

TIMINGS = {"query_seconds", "fit_seconds"}


def differences(old, new, path: str = "") -> tuple[list[str], list[str]]:
    """(differences, fields only in `new`) between two parsed JSON documents."""
    if isinstance(old, dict) and isinstance(new, dict):
        changed, added = [], [f"{path}.{key}" for key in new.keys() - old.keys()]
        changed += [f"{path}.{key}: missing in the new file" for key in old.keys() - new.keys()]
        for key in old.keys() & new.keys():
            if key in TIMINGS:
                continue
            more_changed, more_added = differences(old[key], new[key], f"{path}.{key}")
            changed += more_changed
            added += more_added
        return changed, added
    if isinstance(old, list) and isinstance(new, list):
        if len(old) != len(new):
            return [f"{path}: {len(old)} items, now {len(new)}"], []
        changed, added = [], []
        for position, (old_item, new_item) in enumerate(zip(old, new)):
            more_changed, more_added = differences(old_item, new_item, f"{path}[{position}]")
            changed += more_changed
            added += more_added
        return changed, added
    both_nan = isinstance(old, float) and isinstance(new, float) and math.isnan(old) and math.isnan(new)
    return ([] if old == new or both_nan else [f"{path}: {old!r} -> {new!r}"]), []


def main(old_file: str, new_file: str) -> int:
    old, new = (json.loads(open(name).read()) for name in (old_file, new_file))
    changed, added = differences(old, new)
    n_curve_rows = len(new.get("curves", []))
    print(f"{old_file} vs {new_file}: {n_curve_rows} curve rows, {len(changed)} differences (timings left out)")
    for line in sorted(set(added)):
        print(f"  new field: {line}")
    for line in changed[:20]:
        print(f"  differs: {line}")
    return 1 if changed else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
