"""Vectors already computed, keyed by the embedded text and the model: what lets ingest
build a whole new index without re-embedding unchanged text and without opening the
shard the service is serving (embedded Qdrant lets only its owner read it while open).

One SQLite file, ``data_dir/embedding_cache.sqlite`` (WAL journal: a reader never waits
for the one writer), rows ``(model, key) -> float32 blob``. ``key`` is the hash of the
window text as embedded; ``model`` names the model and everything else that changes the
vector (its token limit), so a change of model never returns a stale vector.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Iterable

import numpy as np

from assistant.settings import Settings

CACHE_FILE = "embedding_cache.sqlite"


def model_key(settings: Settings) -> str:
    return (f"{Path(settings.embedding_model).name}|max_tokens={settings.embedding_max_tokens}"
            + ("|int8" if settings.embedding_int8 else ""))


class EmbeddingCache:
    def __init__(self, settings: Settings):
        self.path = settings.resolve(settings.data_dir) / CACHE_FILE
        self.model = model_key(settings)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, timeout=30)
        try:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("CREATE TABLE IF NOT EXISTS vectors (model TEXT NOT NULL, key TEXT NOT NULL, "
                             "vector BLOB NOT NULL, PRIMARY KEY (model, key)) WITHOUT ROWID")
            self._db.commit()
        except sqlite3.DatabaseError:
            # a damaged cache only costs time: start a new one
            self._db.close()
            self.path.unlink(missing_ok=True)
            self._db = sqlite3.connect(self.path, timeout=30)
            self._db.execute("CREATE TABLE vectors (model TEXT NOT NULL, key TEXT NOT NULL, "
                             "vector BLOB NOT NULL, PRIMARY KEY (model, key)) WITHOUT ROWID")
            self._db.commit()

    def get_many(self, keys: Iterable[str]) -> dict[str, list[float]]:
        keys = list(dict.fromkeys(keys))
        out: dict[str, list[float]] = {}
        for i in range(0, len(keys), 500):
            part = keys[i:i + 500]
            marks = ",".join("?" * len(part))
            for key, blob in self._db.execute(
                    f"SELECT key, vector FROM vectors WHERE model = ? AND key IN ({marks})", [self.model, *part]):
                out[key] = np.frombuffer(blob, dtype=np.float32).tolist()
        return out

    def put_many(self, items: dict[str, list[float]]) -> None:
        with self._db:
            self._db.executemany(
                "INSERT OR REPLACE INTO vectors (model, key, vector) VALUES (?, ?, ?)",
                [(self.model, k, np.asarray(v, dtype=np.float32).tobytes()) for k, v in items.items()])

    def keep_only(self, keys: set[str]) -> int:
        """Forget vectors no build uses any more (other models' too); returns rows deleted."""
        with self._db:
            self._db.execute("CREATE TEMP TABLE IF NOT EXISTS keep (key TEXT PRIMARY KEY)")
            self._db.execute("DELETE FROM keep")
            self._db.executemany("INSERT OR IGNORE INTO keep VALUES (?)", [(k,) for k in keys])
            cur = self._db.execute("DELETE FROM vectors WHERE model != ? OR key NOT IN (SELECT key FROM keep)",
                                   [self.model])
            return cur.rowcount

    def close(self) -> None:
        self._db.close()
