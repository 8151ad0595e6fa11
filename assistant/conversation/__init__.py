"""Conversations: bounded in-memory sessions and model-free follow-up resolution."""
