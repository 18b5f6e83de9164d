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
