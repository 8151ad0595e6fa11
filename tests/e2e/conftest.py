"""The app served on loopback for the browser tests of a module (``tests/browser_harness``)."""

from __future__ import annotations

import pytest

from tests.browser_harness import served_app


@pytest.fixture(scope="module")
def chat_url(index_settings):
    with served_app(index_settings) as url:
        yield url
