"""What the chat needs from the running process: its settings and the shared services.

Chainlit's server is a process-wide singleton, and its callbacks take no arguments of
ours, so ``mount_chat`` records the settings here and the handlers read them back.
Tests call ``configure`` with their own settings (and may inject services).
"""

from __future__ import annotations

from typing import Any

from assistant.settings import Settings, get_settings

_settings: Settings | None = None
_services: Any = None


def configure(settings: Settings, services: Any = None) -> None:
    """Use ``settings`` (and optionally ready-made ``services``) for every chat session."""
    global _settings, _services
    _settings = settings
    _services = services


def settings() -> Settings:
    """The chat's settings: those given to ``mount_chat``, else the process settings."""
    return _settings or get_settings()


def services() -> Any:
    """The same services container the API and the CLI use (``assistant.services``)."""
    global _services
    if _services is None:
        from assistant.services import get_services

        _services = get_services(settings())
    return _services
