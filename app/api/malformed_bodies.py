"""422, never 400 or 500, for JSON bodies that cannot be parsed or echoed back, and
never with a secret in them.

Found by fuzzing the API against its OpenAPI document (`make fuzz`).
"""

import json
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException

# What `json.loads` raises, besides `JSONDecodeError`, for a body it cannot
# parse: bytes that are not UTF-8, and arrays or objects nested deeper than
# the parser's recursion limit.
UNPARSEABLE_JSON_ERRORS = (UnicodeDecodeError, RecursionError)

# No error body echoes the value of a password, token, code or secret field
# (API.md v2): a field whose name is one of these, or contains one of the
# marks, has its echoed `input` replaced by MASK.
SECRET_FIELD_NAMES = frozenset({"code", "otp", "authorization", "cookie"})
SECRET_FIELD_MARKS = ("password", "secret", "token", "credential", "recovery_code", "totp")
MASK = "[redacted]"


class AsciiJSONResponse(JSONResponse):
    """JSON with every non-ASCII character escaped, so that any string can be rendered.

    A request may carry a lone surrogate (`"\\ud800"`), which JSON allows and
    Python decodes, but which UTF-8 cannot encode; the 422 body echoes the
    input, and Starlette's UTF-8 rendering of it would fail with a 500.
    """

    def render(self, content: Any) -> bytes:
        text = json.dumps(content, ensure_ascii=True, allow_nan=False, separators=(",", ":"))
        return text.encode()


def _renderable(error: dict[str, Any]) -> dict[str, Any]:
    """A 422 error entry, its echoed input dropped if JSON cannot carry it.

    Python's JSON parser accepts `NaN` and `Infinity`, which JSON output
    refuses: echoing them back would fail with a 500.
    """
    try:
        json.dumps(error, allow_nan=False)
    except ValueError:
        return {**error, "input": None}
    return error


def is_secret_field(name: object) -> bool:
    """Whether a field (a key, or a part of an error's `loc`) holds a secret."""
    lowered = str(name).lower()
    return lowered in SECRET_FIELD_NAMES or any(mark in lowered for mark in SECRET_FIELD_MARKS)


def _masked(value: Any) -> Any:
    """`value` with the values of secret keys masked, at any depth."""
    if isinstance(value, dict):
        return {key: MASK if is_secret_field(key) else _masked(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_masked(item) for item in value]
    return value


def _without_secrets(error: dict[str, Any]) -> dict[str, Any]:
    """A 422 error entry whose `input` shows no secret.

    The entry of a secret field has its whole input masked; any other entry
    may echo an object (a missing field's entry echoes the whole body), whose
    secret keys are masked.
    """
    secret_field = any(is_secret_field(part) for part in error.get("loc", ()))
    return {
        key: (MASK if secret_field else _masked(value)) if key == "input" else value
        for key, value in error.items()
    }


async def request_validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
    """FastAPI's standard 422 body, rendered so that it cannot fail nor echo a secret."""
    errors = [_renderable(_without_secrets(error)) for error in jsonable_encoder(exc.errors())]
    return AsciiJSONResponse(status_code=422, content={"detail": errors})


async def http_error(request: Request, exc: HTTPException) -> Response:
    # FastAPI answers any other malformed JSON with 422 `json_invalid`, but
    # these two with 400 "There was an error parsing the body", which no
    # operation documents; one answer for every malformed body is simpler
    # for clients and keeps the OpenAPI document true.
    cause = exc.__cause__
    if isinstance(cause, UNPARSEABLE_JSON_ERRORS):
        invalid_json = RequestValidationError(
            [
                {
                    "type": "json_invalid",
                    "loc": ("body",),
                    "msg": "JSON decode error",
                    "input": {},
                    "ctx": {"error": str(cause)},
                }
            ]
        )
        return await request_validation_error(request, invalid_json)
    return await http_exception_handler(request, exc)


def add_malformed_body_handlers(app: FastAPI) -> None:
    app.exception_handler(RequestValidationError)(request_validation_error)
    app.exception_handler(HTTPException)(http_error)
