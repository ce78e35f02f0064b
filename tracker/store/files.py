"""Photo files under ``TRACKER_DATA_DIR/photos``, written atomically.

A file is written to a temporary name in its final directory, flushed to disk, then
renamed into place (rename is atomic on POSIX), and the directory is flushed too. The
files of one ingest are collected in a :class:`StagedFiles`; if the database
transaction does not commit, :meth:`StagedFiles.discard` removes them. If the process
dies between the rename and the commit, the files have no row;
:meth:`PhotoFiles.sweep_orphans` (run when the store opens) removes such files once
they are old enough that no ingest can still be in flight.
"""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

#: Files without a row younger than this are left alone (an ingest may still commit).
ORPHAN_MIN_AGE_S = 3600.0
_TMP_PREFIX = ".tmp-"


@dataclass
class StagedFiles:
    """Files written for one transaction, removed again unless it commits."""

    files: PhotoFiles
    keys: list[str] = field(default_factory=list)

    def write(self, key: str, data: bytes) -> str:
        self.files.write(key, data)
        self.keys.append(key)
        return key

    def discard(self) -> None:
        for key in self.keys:
            self.files.remove(key)
        self.keys.clear()


class PhotoFiles:
    """The photo directory. Keys are relative POSIX paths such as ``"12/ab34cd.jpg"``."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def new_key(self, patient_id: int, suffix: str) -> str:
        """A fresh, unguessable key in the patient's directory."""
        return f"{patient_id}/{secrets.token_hex(16)}{suffix}"

    def path(self, key: str) -> Path:
        """The file for ``key``; refuses keys that would leave the photo directory."""
        root = self.root.resolve()
        target = (root / key).resolve()
        if root not in target.parents:
            raise ValueError(f"photo key {key!r} points outside the photo directory")
        return target

    def write(self, key: str, data: bytes) -> None:
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.parent / f"{_TMP_PREFIX}{secrets.token_hex(8)}"
        try:
            with open(tmp, "xb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, target)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        _fsync_dir(target.parent)

    def read(self, key: str) -> bytes:
        return self.path(key).read_bytes()

    def remove(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    @contextmanager
    def staged(self) -> Iterator[StagedFiles]:
        """Files for one transaction: removed if the block raises; the caller discards
        them too when the commit itself fails."""
        staged = StagedFiles(self)
        try:
            yield staged
        except BaseException:
            staged.discard()
            raise

    def all_keys(self) -> Iterator[tuple[str, float]]:
        """Every file below the root, with its modification time."""
        if not self.root.exists():
            return
        for path in self.root.rglob("*"):
            if path.is_file():
                yield path.relative_to(self.root).as_posix(), path.stat().st_mtime

    def sweep_orphans(self, known_keys: Iterable[str], *, min_age_s: float = ORPHAN_MIN_AGE_S,
                      now: float | None = None) -> list[str]:
        """Remove files no row refers to (and stale temporary files); returns their keys."""
        known = set(known_keys)
        cutoff = (time.time() if now is None else now) - min_age_s
        removed = []
        for key, mtime in list(self.all_keys()):
            if key not in known and mtime < cutoff:
                self.remove(key)
                removed.append(key)
        return removed


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
