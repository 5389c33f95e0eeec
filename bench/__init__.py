"""`make bench`: load tests of the service against a raw ASGI ceiling and raw Argon2id.

Not part of the application: nothing in `app/` imports it, and coverage
measures `app/` only.
"""
