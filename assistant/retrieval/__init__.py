"""Retrieval: glossary expansion, question analysis, hybrid search with re-ranking."""
