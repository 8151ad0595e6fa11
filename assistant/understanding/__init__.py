"""Reading a question: what it asks (intent), what kind of answer would answer it, about
what, for which council and which policy version. Read once, here, and used by every
later stage."""
