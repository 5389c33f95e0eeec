"""Query parameters of keyset-paginated lists: `limit`, and `cursor` as we signed it."""

import uuid
from datetime import datetime

from fastapi.exceptions import RequestValidationError

from app.core import messages
from app.core.pagination import CursorSigner, InvalidCursorError

PAGE_SIZE_DEFAULT = 50
PAGE_SIZE_MAX = 100
# A cursor we issue is 54 characters; anything much longer is not one.
CURSOR_MAX_LENGTH = 128


def _invalid_cursor(cursor: str) -> RequestValidationError:
    # FastAPI's standard 422 body, as for a bad `limit`.
    return RequestValidationError(
        [
            {
                "type": "value_error",
                "loc": ("query", "cursor"),
                "msg": messages.INVALID_CURSOR,
                "input": cursor,
            }
        ]
    )


def decode_cursor(signer: CursorSigner, cursor: str | None) -> tuple[datetime, uuid.UUID] | None:
    """The key a cursor names (None for the first page); 422 for one we did not sign."""
    if cursor is None:
        return None
    try:
        return signer.decode(cursor)
    except InvalidCursorError as error:
        raise _invalid_cursor(cursor) from error
