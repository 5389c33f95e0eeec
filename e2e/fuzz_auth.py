"""Schemathesis hook (`SCHEMATHESIS_HOOKS=e2e.fuzz_auth`): a bearer token for every request.

Each token belongs to a new user, registered and logged in through the API
itself. The fuzzer deletes its account and logs out too; the 401 that follows
makes Schemathesis fetch a new token (its `retry_on` default), so the
authenticated endpoints stay reachable for the whole run.
"""

import os
import uuid
from typing import Any

import httpx
import schemathesis
from schemathesis import AuthContext, Case

from e2e.openapi_paths import operation_path

BASE_URL_ENV = "FUZZ_BASE_URL"
PASSWORD = "fuzzing is a kind of testing"


def new_user_token(base_url: str) -> str:
    with httpx.Client(base_url=base_url, timeout=10) as client:
        document = client.get("/openapi.json").raise_for_status().json()
        email = f"fuzz-{uuid.uuid4().hex[:12]}@example.com"
        register = operation_path(document, route_name="register_new_user", method="post")
        client.post(register, json={"email": email, "password": PASSWORD}).raise_for_status()
        login = operation_path(document, route_name="login_access_token", method="post")
        tokens = client.post(login, data={"username": email, "password": PASSWORD})
        token: str = tokens.raise_for_status().json()["access_token"]
        return token


@schemathesis.auth()
class FreshUserToken:
    def get(self, case: Case[Any], context: AuthContext) -> str:
        return new_user_token(os.environ[BASE_URL_ENV])

    def set(self, case: Case[Any], data: str, context: AuthContext) -> None:
        case.headers["Authorization"] = f"Bearer {data}"
