"""A resource server: another service that accepts this service's access tokens."""
