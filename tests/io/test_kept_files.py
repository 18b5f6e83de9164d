"""Kept files: found again by content name, expired after their while, never outside their folder."""

import os
import time

import pytest

from alcore.io.kept_files import KeptFiles, content_name


def test_a_kept_file_is_found_by_its_content_name(tmp_path):
    kept = KeptFiles(tmp_path / "kept", keep_hours=1)
    name = kept.put(content_name(b"a,b\n1,2\n", ".CSV"), b"a,b\n1,2\n")
    assert name.endswith(".csv") and len(name) == 64 + 4
    assert kept.get(name) == b"a,b\n1,2\n"
    assert kept.get(content_name(b"other", ".csv")) is None


def test_a_file_unused_for_its_while_is_gone(tmp_path):
    kept = KeptFiles(tmp_path, keep_hours=1)
    old, fresh = content_name(b"old", ".csv"), content_name(b"fresh", ".csv")
    kept.put(old, b"old")
    two_hours_ago = time.time() - 7200
    os.utime(tmp_path / old, (two_hours_ago, two_hours_ago))
    assert kept.get(old) is None and not (tmp_path / old).exists()
    kept.put(old, b"old")
    os.utime(tmp_path / old, (two_hours_ago, two_hours_ago))
    kept.put(fresh, b"fresh")  # writing prunes the expired ones
    assert not (tmp_path / old).exists() and kept.get(fresh) == b"fresh"


@pytest.mark.parametrize("name", ["../../etc/passwd", "/etc/passwd", "abc.csv", "0" * 64 + "/x", ""])
def test_a_name_from_a_link_never_reaches_outside_the_folder(tmp_path, name):
    kept = KeptFiles(tmp_path)
    assert kept.get(name) is None
    with pytest.raises(ValueError, match="not the name of a kept file"):
        kept.put(name, b"x")


def test_past_its_room_the_folder_lets_go_of_the_files_used_longest_ago(tmp_path):
    """Uploads were kept without a limit: a visitor uploading file after file (up to 200 MB each) filled the
    server's disk for a day. Now the folder holds at most max_megabytes; a read counts as a use."""
    kept = KeptFiles(tmp_path, keep_hours=24, max_megabytes=1)
    contents = {letter: letter.encode() * 400_000 for letter in "abc"}  # 400 KB each: two fit in 1 MB
    names = {letter: content_name(content, ".csv") for letter, content in contents.items()}
    for age, letter in ((300, "a"), (200, "b")):
        kept.put(names[letter], contents[letter])
        os.utime(tmp_path / names[letter], (time.time() - age, time.time() - age))
    assert kept.get(names["a"]) == contents["a"]  # used now: "b" is the one used longest ago
    kept.put(names["c"], contents["c"])
    assert kept.get(names["b"]) is None
    assert kept.get(names["a"]) == contents["a"] and kept.get(names["c"]) == contents["c"]
    assert sum(path.stat().st_size for path in tmp_path.iterdir()) <= 2**20
    too_large = b"d" * 1_100_000
    kept.put(content_name(too_large, ".csv"), too_large)  # larger than the whole room: not kept, nothing lost
    assert kept.get(content_name(too_large, ".csv")) is None and kept.get(names["c"]) == contents["c"]
