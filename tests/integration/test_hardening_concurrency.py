"""Blocking work stays off the event loop, and the shared embedder is safe across threads.

- A real uvicorn serves the app; one /ask (and one /ask/stream) is made slow by a blocking
  sleep inside retrieval, where embedding and Qdrant calls happen. While it runs, the event
  loop must still answer an async route at once: sync routes and the stream's generator run
  in the threadpool, not on the loop.
- The process-wide embedder is called from many threads at once (as the threadpool does
  under load): no exception, and the same vectors as one thread gets.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import numpy as np
import pytest

from assistant.server.app import create_app
from assistant.services import get_services
from tests.integration.hardening_support import uvicorn_thread

pytestmark = pytest.mark.integration

BLOCK_S = 2.0


@pytest.mark.parametrize("path", ["/ask", "/ask/stream"])
def test_a_blocking_answer_does_not_stall_the_event_loop(index_settings, path):
    settings = index_settings.model_copy()  # own services: the slow retriever stays in this test
    retriever = get_services(settings).retriever
    real = retriever.retrieve
    started = threading.Event()

    def slow_retrieve(*args, **kwargs):
        started.set()
        time.sleep(BLOCK_S)  # blocking, as a slow embedding or Qdrant call would be
        return real(*args, **kwargs)

    retriever.retrieve = slow_retrieve
    with uvicorn_thread(create_app(settings)) as base, httpx.Client(base_url=base, timeout=30) as c:
        c.get("/openapi.json")  # built once, then served from memory by an async route
        with ThreadPoolExecutor(1) as pool:
            t0 = time.monotonic()
            pending = pool.submit(c.post, path, json={"question": "What is early permanence?"})
            assert started.wait(10), "the request never reached retrieval"
            t = time.monotonic()
            probe = c.get("/openapi.json")
            probe_s = time.monotonic() - t
            health = c.get("/health")
            slow = pending.result(timeout=60)
            total_s = time.monotonic() - t0
    assert probe.status_code == 200 and health.status_code == 200
    assert slow.status_code == 200 and total_s >= BLOCK_S
    assert probe_s < BLOCK_S / 4, f"the event loop was blocked for {probe_s:.2f} s by a sync route"


def test_the_embedder_is_safe_to_share_between_threads(embedder):
    texts = [f"who may apply for a special guardianship order, case {i}" for i in range(24)]
    texts += ["permanence", "a much longer question about the review of the permanence plan " * 6]
    expected = [np.asarray(embedder.embed_query(t)) for t in texts]
    with ThreadPoolExecutor(8) as pool:
        got = list(pool.map(embedder.embed_query, texts * 3))
    for i, vec in enumerate(got):
        assert np.allclose(vec, expected[i % len(texts)], atol=1e-5), f"thread result {i} differs"
    counts = list(ThreadPoolExecutor(8).map(embedder.count_tokens, texts * 3))
    assert counts == [embedder.count_tokens(t) for t in texts] * 3
