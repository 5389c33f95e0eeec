"""`Browser`: a client in cookie mode, holding its refresh-token cookie as a browser would.

httpx's cookie jar never sends a `Secure` cookie over the plain-HTTP test
transport, so the browser keeps the cookie itself and sends it explicitly.
"""

from http.cookies import SimpleCookie
from typing import Any

import httpx

from app.tests.api_client import Api

COOKIE_MODE = {"X-Refresh-Token-Transport": "cookie"}


def set_cookies(response: httpx.Response) -> list[str]:
    return response.headers.get_list("set-cookie")


def cookie_attributes(header: str) -> dict[str, str]:
    """`name=value; A=b; Flag` as {"name": "value", "a": "b", "flag": ""}."""
    first, *rest = (part.strip() for part in header.split(";"))
    name, _, value = first.partition("=")
    attributes = {name: value}
    for part in rest:
        key, _, item = part.partition("=")
        attributes[key.lower()] = item
    return attributes


class Browser:
    """An account's client that asks for cookie mode and keeps the `refresh_token` cookie."""

    def __init__(self, api: Api) -> None:
        self.api = api
        self.cookie: str | None = None
        self.access_token: str | None = None

    def _cookie_header(self) -> dict[str, str]:
        return {} if self.cookie is None else {"Cookie": f"refresh_token={self.cookie}"}

    def _keep(self, response: httpx.Response) -> httpx.Response:
        for header in set_cookies(response):
            morsel = SimpleCookie(header)["refresh_token"]
            self.cookie = morsel.value if morsel["max-age"] != "0" else None
        if response.status_code == 200 and response.content:
            self.access_token = response.json()["access_token"]
        return response

    async def post(self, route: str, *, cookie_mode: bool = True, **kwargs: Any) -> httpx.Response:
        """POST with the cookie (and the cookie-mode header unless told not to)."""
        headers = {**self._cookie_header(), **(COOKIE_MODE if cookie_mode else {})}
        headers.update(kwargs.pop("headers", {}))
        auth = {"Authorization": f"Bearer {self.access_token}"} if self.access_token else {}
        response = await self.api.request("POST", route, headers={**auth, **headers}, **kwargs)
        return self._keep(response)

    async def login(self) -> httpx.Response:
        form = {"username": self.api.email, "password": self.api.password}
        return await self.post("login_access_token", data=form)

    async def refresh(self, **kwargs: Any) -> httpx.Response:
        return await self.post("refresh_token", **kwargs)

    async def logout(self, **kwargs: Any) -> httpx.Response:
        return await self.post("logout", **kwargs)

    async def me(self) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.access_token}"}
        return await self.api.request("GET", "read_current_user", headers=headers)


async def new_browser(api: Api) -> Browser:
    """A newly registered account, logged in through cookie mode."""
    account = await api.new_user()
    browser = Browser(account)
    response = await browser.login()
    assert response.status_code == 200, response.text
    return browser
