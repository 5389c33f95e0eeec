"""Tokens for other services (API.md v2): keys, JWKS, metadata, introspection, revocation."""
