"""Server-rendered pages: templates in `app/templates/pages/`, scripts in `app/static/`.

Every page response carries a Content-Security-Policy that allows scripts,
styles and requests from this origin only (no inline script, nothing from a
third party), `X-Frame-Options: DENY`, `Referrer-Policy: no-referrer` (a
token in the address never leaks to another site) and `Cache-Control:
no-store`. A new page is a template, a route in `endpoints/pages.py` calling
`render_page()`, and, if it needs one, a script in `app/static/`.
"""

import re
from functools import cache
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from app.api.deps import services_of
from app.core.templates import environment

STATIC_DIR = Path(__file__).resolve().parents[1] / "static"
STATIC_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}\.(js|css)")
MEDIA_TYPES = {"js": "text/javascript; charset=utf-8", "css": "text/css; charset=utf-8"}
# Static files change only with a deployment; a day of caching is harmless.
STATIC_CACHE_CONTROL = "public, max-age=86400"

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "form-action 'self'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    )
)
PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def static_url(name: str) -> str:
    return f"/static/{name}"


def render_page(
    request: Request, template: str, *, scripts: tuple[str, ...], **context: Any
) -> HTMLResponse:
    """The page `pages/<template>.html` with the security headers of every page."""
    settings = services_of(request).settings
    html = (
        environment()
        .get_template(f"pages/{template}.html")
        .render(
            product_name=settings.product_name,
            public_url=settings.public_url.rstrip("/"),
            static_url=static_url,
            scripts=scripts,
            **context,
        )
    )
    return HTMLResponse(html, headers=PAGE_HEADERS)


@cache
def _static_files() -> dict[str, bytes]:
    """Every script and stylesheet of `app/static/`, read once."""
    return {
        path.name: path.read_bytes()
        for path in STATIC_DIR.iterdir()
        if STATIC_NAME.fullmatch(path.name) and path.is_file()
    }


def static_response(name: str) -> Response | None:
    """The script or stylesheet `name`, or None: only plain names under app/static/."""
    content = _static_files().get(name)
    if content is None:
        return None
    media_type = MEDIA_TYPES[name.rsplit(".", 1)[1]]
    return Response(content, media_type=media_type, headers={"Cache-Control": STATIC_CACHE_CONTROL})
