"""Cookie mode for browsers (API.md v2): the refresh token in an HttpOnly cookie."""
