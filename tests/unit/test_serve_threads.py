"""The API process runs torch with the configured number of threads (one by default):
more threads per request made answers slower under concurrent load on two cores."""

from __future__ import annotations

import threading

import pytest

from assistant.server.app import create_app
from assistant.settings import Settings

pytestmark = pytest.mark.unit
torch = pytest.importorskip("torch")


@pytest.fixture
def restore_threads():
    before = torch.get_num_threads()
    yield before
    torch.set_num_threads(before)


def test_the_api_sets_torch_threads_for_request_threads_too(tmp_path, restore_threads):
    torch.set_num_threads(2)
    create_app(Settings(data_dir=tmp_path, serve_torch_threads=1))
    seen = []
    t = threading.Thread(target=lambda: seen.append(torch.get_num_threads()))  # as a threadpool request would
    t.start()
    t.join()
    assert torch.get_num_threads() == 1 and seen == [1]


def test_zero_leaves_torch_default(tmp_path, restore_threads):
    torch.set_num_threads(2)
    create_app(Settings(data_dir=tmp_path, serve_torch_threads=0))
    assert torch.get_num_threads() == 2
    assert Settings(data_dir=tmp_path).serve_torch_threads == 1
