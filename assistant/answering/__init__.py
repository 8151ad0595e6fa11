"""Answering: quote-only extractive engine (default), checked generative engine, refusals and the gap log."""
