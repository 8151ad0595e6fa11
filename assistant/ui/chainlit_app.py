"""The Chainlit app: wires Chainlit's callbacks to ``assistant.ui.chat_handlers``.

Loaded by ``mount_chat`` (``chainlit.utils.mount_chainlit``), which runs it as a script
file; the logic lives in importable modules so tests can call it directly. Run alone for
UI development with ``chainlit run assistant/ui/chainlit_app.py`` from the repo root.
"""

from __future__ import annotations

import chainlit as cl

from assistant.ui import chat_handlers
from assistant.ui.feedback_layer import ChatFeedbackDataLayer


@cl.data_layer
def _data_layer():
    # Needed for Chainlit's thumbs up/down; stores ratings in our feedback store only.
    return ChatFeedbackDataLayer()


@cl.set_starters
async def _starters(user=None, language=None):
    return await chat_handlers.starters()


@cl.on_chat_start
async def _on_chat_start():
    await chat_handlers.start_chat()


@cl.on_settings_update
async def _on_settings_update(settings):
    await chat_handlers.settings_updated(settings)


@cl.on_message
async def _on_message(message: cl.Message):
    await chat_handlers.handle_message(message)


@cl.action_callback("correct_fact")
async def _on_correct_fact(action: cl.Action):
    from assistant.ui.fact_corrections import on_correct_fact

    await on_correct_fact(chat_handlers.answer_question)
