"""The pages the links in emails open; `PAGES__ENABLED=false` leaves them out.

A GET only shows a page: it never checks or spends the token in its address
(a mail scanner that follows the link spends nothing). The page's button
sends the token to the API, which checks it then.
"""

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request, status
from fastapi.responses import HTMLResponse, Response

from app.api.pages import render_page, static_response
from app.core import messages
from app.schemas.requests import PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH

router = APIRouter(tags=["pages"], include_in_schema=False)

SCRIPTS = ("status.js", "pages.js")
# Tokens we issue are 43 characters; a longer value is no token of ours, and
# is not written into the page.
MAX_TOKEN_LENGTH = 512

TokenQuery = Annotated[str | None, Query()]


def _token(token: str | None) -> str | None:
    if token is None or len(token) > MAX_TOKEN_LENGTH:
        return None
    return token


@router.get("/reset-password", response_class=HTMLResponse)
async def reset_password_page(request: Request, token: TokenQuery = None) -> HTMLResponse:
    """A form for the new password; it sends the token with it."""
    return render_page(
        request,
        "reset_password",
        scripts=SCRIPTS,
        token=_token(token),
        endpoint=request.app.url_path_for("reset_password"),
        min_length=PASSWORD_MIN_LENGTH,
        max_length=PASSWORD_MAX_LENGTH,
    )


@router.get("/verify-email", response_class=HTMLResponse)
async def verify_email_page(request: Request, token: TokenQuery = None) -> HTMLResponse:
    return render_page(
        request,
        "verify_email",
        scripts=SCRIPTS,
        token=_token(token),
        endpoint=request.app.url_path_for("verify_email"),
    )


@router.get("/confirm-email", response_class=HTMLResponse)
async def confirm_email_page(request: Request, token: TokenQuery = None) -> HTMLResponse:
    return render_page(
        request,
        "confirm_email",
        scripts=SCRIPTS,
        token=_token(token),
        endpoint=request.app.url_path_for("confirm_email"),
    )


@router.get("/static/{name}")
def static_file(name: str) -> Response:
    """The pages' scripts (`text/javascript`) and stylesheet; a plain `def`: it may read a file."""
    response = static_response(name)
    if response is None:
        raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail=messages.NOT_FOUND)
    return response
