"""`make bench`, `make bench-data-size`, `make bench-soak`: load tests of the service.

Against a raw ASGI ceiling and raw Argon2id, with two workers, on a small and
a large database, for storage per refresh, and for ten minutes of mixed load;
docs/bench.md says what each measures.

Not part of the application: nothing in `app/` imports it, and coverage
measures `app/` only.
"""
