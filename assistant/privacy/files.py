"""Files that may hold what a user typed are readable by the service's own user only."""

from __future__ import annotations

import os
from pathlib import Path

FILE_MODE = 0o600
DIR_MODE = 0o700


def private_dir(path: Path) -> Path:
    """``path`` as a folder only the owner can list (created when missing)."""
    path.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    os.chmod(path, DIR_MODE)
    return path


def private_file(path: Path) -> Path:
    """Create ``path`` (empty) with mode 0600 if it is missing, and make it 0600 if it is not.

    Created before SQLite opens it, a database's -wal and -shm files take the same mode.
    An existing file is never opened here: closing any descriptor of a SQLite file drops the
    process's locks on it, which corrupts a database another thread is writing.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        try:
            os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, FILE_MODE))
        except FileExistsError:
            pass
    os.chmod(path, FILE_MODE)
    return path
