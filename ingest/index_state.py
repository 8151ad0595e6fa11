"""What the serving index holds: a small JSON file next to the index, replaced atomically.

``data_dir/index_state.json`` names the Qdrant collection the alias points at and, per
document, its content fingerprint, metadata, chunk count and the docstore file holding
its normalised text, page spans and sections. The docstore files are immutable (named
by fingerprint), so a reader that holds an old state still finds the text its chunks'
offsets refer to until cleanup after the next successful switch.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from assistant.settings import Settings

STATE_FILE = "index_state.json"
DOCSTORE_DIR = "docstore"


def data_dir(settings: Settings) -> Path:
    return settings.resolve(settings.data_dir)


def state_path(settings: Settings) -> Path:
    return data_dir(settings) / STATE_FILE


def docstore_dir(settings: Settings) -> Path:
    return data_dir(settings) / DOCSTORE_DIR


def read_state(settings: Settings) -> dict[str, Any]:
    """The current state, or an empty one when nothing was ever ingested."""
    path = state_path(settings)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {"collection": None, "documents": {}}
    except (OSError, json.JSONDecodeError):
        # A damaged state file must not take the service down: treat as "unknown",
        # the next ingest rebuilds it.
        return {"collection": None, "documents": {}, "damaged": True}


def write_json_atomic(path: Path, data: Any) -> None:
    """Write ``data`` so readers see the old file or the new one, never a torn one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, ensure_ascii=False)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def write_state(settings: Settings, state: dict[str, Any]) -> None:
    write_json_atomic(state_path(settings), state)
