"""Authentication: API tokens, login throttling."""
