"""Photo files: atomic writes, cleanup of what a crash left behind, no path escapes."""

from __future__ import annotations

import os
import time

import pytest

from tracker.store.files import PhotoFiles


def test_a_written_file_has_exactly_its_bytes_and_no_temporary_file_remains(tmp_path):
    files = PhotoFiles(tmp_path / "photos")
    files.write("7/abc.jpg", b"\xff\xd8 jpeg bytes")
    assert files.read("7/abc.jpg") == b"\xff\xd8 jpeg bytes"
    assert sorted(p.name for p in (tmp_path / "photos" / "7").iterdir()) == ["abc.jpg"]


def test_staged_files_are_removed_when_the_block_fails(tmp_path):
    files = PhotoFiles(tmp_path / "photos")
    with pytest.raises(RuntimeError):
        with files.staged() as staged:
            staged.write("1/a.jpg", b"a")
            staged.write("1/a_thumb.jpg", b"b")
            raise RuntimeError("database said no")
    assert list(files.all_keys()) == []


def test_sweep_removes_old_files_without_a_row_and_keeps_the_rest(tmp_path):
    files = PhotoFiles(tmp_path / "photos")
    for key in ("1/kept.jpg", "1/orphan.jpg", "2/young-orphan.jpg"):
        files.write(key, b"x")
    old = time.time() - 7200
    for key in ("1/kept.jpg", "1/orphan.jpg"):
        os.utime(files.path(key), (old, old))
    removed = files.sweep_orphans({"1/kept.jpg"})
    assert removed == ["1/orphan.jpg"]
    assert sorted(k for k, _ in files.all_keys()) == ["1/kept.jpg", "2/young-orphan.jpg"]


def test_a_key_that_climbs_out_of_the_photo_directory_is_refused(tmp_path):
    files = PhotoFiles(tmp_path / "photos")
    with pytest.raises(ValueError, match="outside the photo directory"):
        files.read("../secret.txt")
