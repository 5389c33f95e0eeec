"""Examples of other services that use this auth service."""
