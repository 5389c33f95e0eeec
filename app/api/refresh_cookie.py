"""Cookie mode for browsers (API.md v2): the refresh token in an HttpOnly cookie.

A client opts in per request with `X-Refresh-Token-Transport: cookie`. Then a
token response sets the refresh token as the cookie `refresh_token` and its
body carries `refresh_token: null`, so no script of the page can read it.
The endpoints that take a refresh token read the cookie only on a request
with that header: a cross-site form or link cannot set a header, so it
cannot make the browser spend or revoke the session on its behalf
(`SameSite=Strict` is the second lock). A token in the body wins.
"""

import time

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError

from app.api.exception_handlers import NO_STORE
from app.core.token_grants import IssuedTokens
from app.schemas.responses import TokenResponse

COOKIE_NAME = "refresh_token"
TRANSPORT_HEADER = "x-refresh-token-transport"
COOKIE_TRANSPORT = "cookie"
# Sent only to the endpoints that read it, never to /users or another path.
COOKIE_PATH = "/auth"
COOKIE_ATTRIBUTES = f"HttpOnly; Secure; SameSite=Strict; Path={COOKIE_PATH}"


def cookie_mode(request: Request) -> bool:
    """Whether the request asks for cookie mode: the header with exactly `cookie`."""
    return request.headers.get(TRANSPORT_HEADER) == COOKIE_TRANSPORT


def token_or_cookie(request: Request, given: str | None) -> str | None:
    """The refresh token of the body (`given`), else in cookie mode the cookie's, else None."""
    if given is not None or not cookie_mode(request):
        return given
    return request.cookies.get(COOKIE_NAME)


def set_refresh_cookie(response: Response, *, token: str, expires_at: int) -> None:
    # Refresh tokens are base64url: no character needs quoting in a cookie.
    max_age = max(expires_at - int(time.time()), 0)
    response.headers.append(
        "set-cookie", f"{COOKIE_NAME}={token}; Max-Age={max_age}; {COOKIE_ATTRIBUTES}"
    )


def clear_refresh_cookie(response: Response) -> None:
    """The browser drops the cookie: the same name, path and attributes, `Max-Age=0`."""
    response.headers.append("set-cookie", f"{COOKIE_NAME}=; Max-Age=0; {COOKIE_ATTRIBUTES}")


def token_response(request: Request, response: Response, tokens: IssuedTokens) -> TokenResponse:
    """`Tokens`, never cached; in cookie mode the refresh token goes to the cookie instead."""
    response.headers.update(NO_STORE)
    in_cookie = cookie_mode(request)
    if in_cookie:
        set_refresh_cookie(
            response, token=tokens.refresh_token, expires_at=tokens.refresh_token_expires_at
        )
    return TokenResponse(
        access_token=tokens.access_token,
        expires_at=tokens.expires_at,
        refresh_token=None if in_cookie else tokens.refresh_token,
        refresh_token_expires_at=tokens.refresh_token_expires_at,
    )


def missing_refresh_token() -> RequestValidationError:
    """FastAPI's own 422 for a body without `refresh_token`, outside cookie mode."""
    return RequestValidationError(
        [{"type": "missing", "loc": ("body", "refresh_token"), "msg": "Field required"}]
    )
