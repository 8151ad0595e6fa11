"""Shared fixtures: real components, loaded once per session, and no stray network.

- ``block_network`` (autouse): any connection to a non-loopback address fails the test,
  so nothing reaches a model hub or the internet by accident.
- Fixtures for the real embedder and an ingested index live in ``tests/fixtures_index.py``.
"""

from __future__ import annotations

import ipaddress
import os
import socket

import pytest

pytest_plugins = ["tests.fixtures_index"]

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

_real_connect = socket.socket.connect


def _is_local(address) -> bool:
    if isinstance(address, (str, bytes)):  # AF_UNIX path
        return True
    host = address[0]
    if host in ("localhost",):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _guarded_connect(self, address):
    if not _is_local(address):
        raise RuntimeError(f"test tried to reach the network: {address!r} (only loopback is allowed)")
    return _real_connect(self, address)


@pytest.fixture(autouse=True)
def block_network(monkeypatch):
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)
    yield
