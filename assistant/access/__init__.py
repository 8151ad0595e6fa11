"""Who may do what: users and their roles, API tokens, and the one identity the API and the
chat share (``identity.Principal``)."""
