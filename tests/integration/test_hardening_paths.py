"""Path traversal through file parameters: manifest entries, document ids, the CLI.

The API takes no file path at all (``test_hardening_hostile_input.py`` checks its schema and
that ids are keys, never paths). The files it quotes come from the manifest, so a manifest
entry whose ``file`` leaves the corpus folder, or whose ``id`` (used to name docstore files)
holds a path, must be refused with a clear error naming the entry - nothing read from
outside the corpus, nothing written outside the data folder.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import yaml

from assistant.corpus import ManifestError, load_corpus
from assistant.settings import REPO_ROOT
from tests.integration.hardening_support import small_corpus

pytestmark = pytest.mark.integration

BAD_ENTRIES = [
    ("file", "../outside/secret.txt"),
    ("file", "/etc/hostname"),
    ("file", "sub/../../outside/secret.txt"),
    ("id", "../../escaped"),
    ("id", "a/b"),
    ("id", "..\\..\\escaped"),
    ("id", ".."),
]


def _manifest_with(corpus, field: str, value: str) -> None:
    data = yaml.safe_load((corpus / "manifest.yaml").read_text(encoding="utf-8"))
    entry = dict(data["documents"][0], id="planted", title="Planted")
    entry[field] = value
    data["documents"].append(entry)
    (corpus / "manifest.yaml").write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


@pytest.mark.parametrize("field, value", BAD_ENTRIES)
def test_manifest_entries_that_leave_their_folder_are_refused(tmp_path, field, value):
    corpus = small_corpus(tmp_path / "corpus", ["wiltshire"])
    _manifest_with(corpus, field, value)
    with pytest.raises(ManifestError) as err:
        load_corpus(corpus / "manifest.yaml")
    msg = str(err.value)
    assert "planted" in msg or repr(value) in msg, msg  # names the entry
    assert field in msg, msg  # and the field


def test_ingest_with_a_traversing_manifest_reads_and_writes_nothing_outside(tmp_path):
    corpus = small_corpus(tmp_path / "corpus", ["wiltshire"])
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("Secret text from outside the corpus folder.\n", encoding="utf-8")
    _manifest_with(corpus, "file", "../outside/secret.txt")
    data = tmp_path / "data" / "inner"
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT), HF_HUB_OFFLINE="1", PERMANENCE_CORPUS_DIR=str(corpus),
               PERMANENCE_DATA_DIR=str(data))
    out = subprocess.run([sys.executable, "-m", "assistant.cli", "ingest", "-q"], env=env, cwd=REPO_ROOT,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode != 0, out.stdout[-500:]
    assert "planted" in out.stderr + out.stdout and "Traceback" not in out.stderr
    written = [p for p in (tmp_path / "data").rglob("*") if p.is_file()]
    assert all(data in p.parents for p in written), f"written outside the data folder: {written}"
    assert not any("Secret text" in p.read_text(errors="ignore") for p in written if p.suffix == ".json")
