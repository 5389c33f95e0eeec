"""`Api`: a client of the service whose calls read like the HTTP contract (API.md).

An `Api` is anonymous until it registers or logs in, then holds an account
(`email`, `password`, `user`) and one session's tokens, sent as its bearer
token. Calls return the `httpx.Response`; URLs come from route names. This
module and conftest.py alone reach into the app beyond HTTP (its messages,
its services), so that a change there is made once.
"""

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, Self

import httpx
import jwt
from fastapi import FastAPI

from app.core import messages as messages  # noqa: PLC0414 - re-exported for the tests
from app.core.services import Services
from app.tests.apps import services_of_app, with_lifespan_state
from app.tests.factories import new_email

DEFAULT_PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "an entirely new passphrase"
# The peer address httpx's ASGI transport reports unless told otherwise.
DEFAULT_PEER = ("127.0.0.1", 123)


class Api:
    def __init__(self, http: httpx.AsyncClient, app: FastAPI) -> None:
        self.http = http
        self.app = app
        self.password = DEFAULT_PASSWORD
        self._user: dict[str, Any] | None = None
        self._email: str | None = None
        self._tokens: dict[str, Any] | None = None

    @classmethod
    @asynccontextmanager
    async def connect(
        cls, app: FastAPI, *, peer: tuple[str, int] | None = DEFAULT_PEER
    ) -> AsyncIterator[Self]:
        """An anonymous client of `app` in this process; `peer` is the TCP peer it reports."""
        transport = httpx.ASGITransport(app=with_lifespan_state(app), client=peer)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as http:
            yield cls(http, app)

    @classmethod
    @asynccontextmanager
    async def remote(
        cls, base_url: str, app: FastAPI, *, timeout_secs: float = 5.0
    ) -> AsyncIterator[Self]:
        """An anonymous client of a server process; `app` only names its routes."""
        async with httpx.AsyncClient(base_url=base_url, timeout=timeout_secs) as http:
            yield cls(http, app)

    # Other clients on the same connection.

    def anonymous(self) -> "Api":
        return Api(self.http, self.app)

    def copy(self) -> "Api":
        """The same account and tokens: a second tab that keeps the tokens of now."""
        return self.via(self)

    def via(self, replica: "Api") -> "Api":
        """The same account and tokens, sent over `replica`'s connection (another server)."""
        other = Api(replica.http, self.app)
        other.password, other._user, other._email = self.password, self._user, self._email
        other._tokens = None if self._tokens is None else dict(self._tokens)
        return other

    async def new_user(self, email: str | None = None, password: str = DEFAULT_PASSWORD) -> "Api":
        """A client of a newly registered account, logged in."""
        other = self.anonymous()
        registered = await other.register(email, password)
        assert registered.status_code == 201, registered.text
        logged_in = await other.login()
        assert logged_in.status_code == 200, logged_in.text
        return other

    async def new_session(self) -> "Api":
        """Another login of this account: a client holding a session of its own."""
        other = self.copy()
        response = await other.login()
        assert response.status_code == 200, response.text
        return other

    # What the client holds.

    @property
    def email(self) -> str:
        assert self._email is not None, "no account yet"
        return self._email

    @property
    def user(self) -> dict[str, Any]:
        """The `User` object its registration returned."""
        assert self._user is not None, "not registered by this client"
        return self._user

    @property
    def tokens(self) -> dict[str, Any]:
        assert self._tokens is not None, "not logged in"
        return self._tokens

    @property
    def claims(self) -> dict[str, Any]:
        """The access token's claims, read without checking the signature."""
        return jwt.decode(self.tokens["access_token"], options={"verify_signature": False})

    @property
    def id(self) -> str:
        """The user id: from the registration, else from the access token."""
        user_id: str = self._user["user_id"] if self._user else self.claims["sub"]
        return user_id

    @property
    def services(self) -> Services:
        """The running app's services (hashing, background jobs): what HTTP cannot reach."""
        return services_of_app(self.app)

    # Plain requests.

    def url(self, name: str, **params: Any) -> str:
        return str(self.app.url_path_for(name, **params))

    async def request(self, method: str, route: str, **kwargs: Any) -> httpx.Response:
        """`route`: a route name, or a path if it starts with "/"; `kwargs` as for httpx.
        The session's bearer token goes along unless `headers` has an Authorization."""
        path = route if route.startswith("/") else self.url(route)
        given: dict[Any, Any] = kwargs.pop("headers", {})
        names = {(name.decode() if isinstance(name, bytes) else name).lower() for name in given}
        bearer = {} if "authorization" in names else self._bearer()
        return await self.http.request(method, path, headers={**bearer, **given}, **kwargs)

    def _bearer(self) -> dict[str, str]:
        if self._tokens is None:
            return {}
        return {"Authorization": f"Bearer {self._tokens['access_token']}"}

    def _keep_tokens(self, response: httpx.Response) -> httpx.Response:
        if response.status_code == 200:
            self._tokens = response.json()
        return response

    # /auth

    async def register(
        self, email: str | None = None, password: str = DEFAULT_PASSWORD, **fields: Any
    ) -> httpx.Response:
        """POST /auth/register; on 201 the client holds the account."""
        email = new_email() if email is None else email
        body = {"email": email, "password": password, **fields}
        response = await self.request("POST", "register_new_user", json=body)
        if response.status_code == 201:
            self._email, self.password, self._user = email, password, response.json()
        return response

    async def login(self, email: str | None = None, password: str | None = None) -> httpx.Response:
        """The password grant (own account by default); on 200 the client holds the session."""
        email = self.email if email is None else email
        password = self.password if password is None else password
        response = await self.token(username=email, password=password)
        if response.status_code == 200:
            self._email, self.password = email, password
        return response

    async def token(self, **form: str) -> httpx.Response:
        """POST /auth/access-token with these form fields; a 200 becomes the client's session."""
        return self._keep_tokens(await self.request("POST", "login_access_token", data=form))

    async def refresh(
        self, refresh_token: str | None = None, *, grant: bool = False
    ) -> httpx.Response:
        """POST /auth/refresh-token, or the token endpoint's refresh grant when `grant`,
        with the client's refresh token unless told; a 200 becomes the client's session."""
        token = self.tokens["refresh_token"] if refresh_token is None else refresh_token
        if grant:
            return await self.token(grant_type="refresh_token", refresh_token=token)
        body = {"refresh_token": token}
        return self._keep_tokens(await self.request("POST", "refresh_token", json=body))

    async def logout(self, refresh_token: str | None = None) -> httpx.Response:
        token = self.tokens["refresh_token"] if refresh_token is None else refresh_token
        return await self.request("POST", "logout", json={"refresh_token": token})

    async def logout_all(self) -> httpx.Response:
        return await self.request("POST", "logout_all")

    async def recover(self, email: str | None = None, *, wait: bool = True) -> httpx.Response:
        """POST /auth/password-recovery; with `wait`, returns once its email job has ended."""
        email = self.email if email is None else email
        response = await self.request("POST", "recover_password", json={"email": email})
        if wait:
            await self.finish_background_jobs()
        return response

    async def reset_password(self, token: str, new_password: str = NEW_PASSWORD) -> httpx.Response:
        body = {"token": token, "new_password": new_password}
        return await self.request("POST", "reset_password", json=body)

    async def finish_background_jobs(self) -> None:
        """Until every job the app started (emails) has ended, sent or failed."""
        await self.services.background_jobs.wait()

    # /users/me

    async def me(self) -> httpx.Response:
        return await self.request("GET", "read_current_user")

    async def delete_me(self) -> httpx.Response:
        return await self.request("DELETE", "delete_current_user")

    async def change_password(
        self, new_password: str = NEW_PASSWORD, *, current_password: str | None = None
    ) -> httpx.Response:
        """PUT /users/me/password, with the client's password as the current one by default."""
        current = self.password if current_password is None else current_password
        body = {"current_password": current, "new_password": new_password}
        response = await self.request("PUT", "change_current_user_password", json=body)
        if response.status_code == 204:
            self.password = new_password
        return response

    async def session_works(self) -> bool:
        """Whether the access token is accepted (its refresh token stays unspent)."""
        response = await self.me()
        assert response.status_code in {200, 401}, response.text
        return response.status_code == 200

    async def session_revoked(self) -> bool:
        """Whether the access token gets 401 and the refresh token 400."""
        me = await self.me()
        refreshed = await self.refresh()
        return (me.status_code, refreshed.status_code) == (401, 400)

    # Email verification and change, sessions, security events (API.md v2)

    async def verify_email(self, token: str) -> httpx.Response:
        return await self.request("POST", "verify_email", json={"token": token})

    async def resend_verification(self) -> httpx.Response:
        return await self.request("POST", "resend_verification_email")

    async def change_email(
        self, new_email: str, *, current_password: str | None = None
    ) -> httpx.Response:
        current = self.password if current_password is None else current_password
        body = {"new_email": new_email, "current_password": current}
        return await self.request("POST", "change_email", json=body)

    async def confirm_email(self, token: str) -> httpx.Response:
        response = await self.request("POST", "confirm_email", json={"token": token})
        if response.status_code == 200 and self._email is not None:
            self._email = response.json()["email"]
        return response

    async def sessions(self) -> httpx.Response:
        return await self.request("GET", "list_sessions")

    async def revoke_session(self, session_id: str) -> httpx.Response:
        return await self.request("DELETE", self.url("revoke_session", session_id=session_id))

    async def security_events(self, **params: Any) -> httpx.Response:
        return await self.request("GET", "list_my_security_events", params=params)

    async def event_types(self) -> list[str]:
        """The types of the account's security events, oldest first."""
        response = await self.security_events(limit=100)
        assert response.status_code == 200, response.text
        return [event["type"] for event in reversed(response.json()["items"])]

    async def user_security_events(self, user_id: str, **params: Any) -> httpx.Response:
        path = self.url("list_user_security_events", user_id=user_id)
        return await self.request("GET", path, params=params)

    # /users (superusers)

    async def list_users(self, **params: Any) -> httpx.Response:
        return await self.request("GET", "list_users", params=params)

    async def get_user(self, user_id: str) -> httpx.Response:
        return await self.request("GET", self.url("read_user", user_id=user_id))

    async def patch_user(self, user_id: str, **flags: Any) -> httpx.Response:
        return await self.request("PATCH", self.url("update_user", user_id=user_id), json=flags)

    async def delete_user(self, user_id: str) -> httpx.Response:
        return await self.request("DELETE", self.url("delete_user", user_id=user_id))

    # Operations

    async def live(self) -> httpx.Response:
        return await self.request("GET", "live")

    async def ready(self) -> httpx.Response:
        return await self.request("GET", "ready")

    async def metrics(self) -> httpx.Response:
        return await self.request("GET", "read_metrics")

    async def openapi(self) -> httpx.Response:
        assert self.app.openapi_url is not None
        return await self.request("GET", self.app.openapi_url)


# The conftest factories: `async with make_app(**settings) as app`, `make_api(...) as api`,
# `await new_admin()`.
AppFactory = Callable[..., AbstractAsyncContextManager[FastAPI]]
ApiFactory = Callable[..., AbstractAsyncContextManager[Api]]
NewAdmin = Callable[[], Awaitable[Api]]
