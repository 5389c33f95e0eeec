"""Introspection (RFC 7662) and revocation (RFC 7009) for other services and clients."""

import base64
import binascii
from urllib.parse import parse_qsl, unquote_plus

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from starlette.requests import ClientDisconnect

from app.api.common_responses import OAUTH2_ERRORS, THROTTLED, Responses, form_body
from app.api.deps import client_of, services_of
from app.api.exception_handlers import NO_STORE, OAuth2RequestError
from app.api.refresh_cookie import clear_refresh_cookie, cookie_mode, token_or_cookie
from app.core import messages, token_introspection
from app.core.client_address import client_address
from app.schemas.responses import IntrospectionResponse, InvalidClientResponse

router = APIRouter(prefix="/auth", tags=["auth"])

TOKEN_FORM_OPENAPI = form_body(
    {
        "token": {"type": "string"},
        "token_type_hint": {"type": "string", "enum": ["access_token", "refresh_token"]},
    }
)
INVALID_CLIENT: Responses = {
    401: {
        "model": InvalidClientResponse,
        "description": "The client's HTTP Basic credentials are missing or wrong (invalid_client)",
    }
}


FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
MAX_FORM_FIELDS = 20


async def read_form(request: Request) -> dict[str, str]:
    """The request's `application/x-www-form-urlencoded` form (RFC 7662 and 7009 ask for
    no other); no body at all is an empty form. Anything malformed is `invalid_request`.

    Parsed here rather than by Starlette's general form parser: introspection is a
    hot path, and this form is a line of ASCII.
    """
    try:
        body = await request.body()
        if not body:
            return {}
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type != FORM_CONTENT_TYPE:
            raise ValueError("not a form")
        pairs = parse_qsl(
            body.decode("ascii"),
            keep_blank_values=True,
            strict_parsing=True,
            errors="strict",
            max_num_fields=MAX_FORM_FIELDS,
        )
    except (ClientDisconnect, ValueError) as error:
        raise OAuth2RequestError("invalid_request", messages.MALFORMED_TOKEN_REQUEST) from error
    fields = dict(pairs)
    if len(fields) != len(pairs):
        raise OAuth2RequestError("invalid_request", messages.MALFORMED_TOKEN_REQUEST)
    return fields


def basic_credentials(request: Request) -> tuple[str | None, str]:
    """(client id, secret) of an `Authorization: Basic` header; (None, "") if none or malformed.

    RFC 6749 section 2.3.1: both are form-urlencoded before they are joined.
    """
    scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None, ""
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode()
    except (binascii.Error, ValueError):
        return None, ""
    client_id, colon, secret = decoded.partition(":")
    if not colon:
        return None, ""
    return unquote_plus(client_id), unquote_plus(secret)


@router.post(
    "/introspect",
    openapi_extra=TOKEN_FORM_OPENAPI,
    response_model=IntrospectionResponse,
    responses={**INVALID_CLIENT, **OAUTH2_ERRORS, **THROTTLED},
)
async def introspect_token(request: Request) -> JSONResponse:
    """Whether a token is active (RFC 7662), for a configured introspection client."""
    form = await read_form(request)
    services = services_of(request)  # a hot path: see services_of
    client_id, secret = basic_credentials(request)
    address = client_address(request.scope, services.settings.security.trusted_proxies)
    await services.introspection_clients.authenticate(
        address=address, client_id=client_id, secret=secret
    )
    token = form.get("token")
    if not token:
        raise OAuth2RequestError("invalid_request", messages.INTROSPECTION_TOKEN_REQUIRED)
    answer = await token_introspection.introspect(services=services, token=token)
    return JSONResponse(answer, headers=NO_STORE)


@router.post(
    "/revoke",
    openapi_extra=TOKEN_FORM_OPENAPI,
    response_class=Response,
    responses={
        200: {"description": "Revoked, or nothing to revoke: an empty body"},
        **OAUTH2_ERRORS,
    },
)
async def revoke_token(request: Request) -> Response:
    """End the session of a refresh or access token (RFC 7009); 200 for any token.

    In cookie mode the token may come from the cookie, which is cleared.
    """
    form = await read_form(request)
    token = token_or_cookie(request, form.get("token") or None)
    if token is None and not cookie_mode(request):
        raise OAuth2RequestError("invalid_request", messages.INTROSPECTION_TOKEN_REQUIRED)
    if token is not None:
        await token_introspection.revoke(
            services=services_of(request), client=client_of(request), token=token
        )
    response = Response(status_code=200, headers=NO_STORE)
    if cookie_mode(request):
        clear_refresh_cookie(response)
    return response
