"""`GET /account`: sign in (password, second factor, passkey) and manage the account.

The page is HTML and one script (`account.js`) that calls the API itself in
cookie mode: the refresh token stays in its HttpOnly cookie, the access
token in the script's memory only. Served with the pages (PAGES__ENABLED).
"""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from app.api.pages import render_page
from app.schemas.requests import PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH

router = APIRouter(tags=["pages"], include_in_schema=False)


@router.get("/account", response_class=HTMLResponse)
async def account_page(request: Request) -> HTMLResponse:
    return render_page(
        request,
        "account",
        scripts=("status.js", "account.js"),
        min_length=PASSWORD_MIN_LENGTH,
        max_length=PASSWORD_MAX_LENGTH,
    )
