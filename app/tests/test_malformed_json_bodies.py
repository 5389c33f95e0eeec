"""JSON bodies the parser cannot read, or the 422 body cannot echo: 422, never 400 or 500.

Regressions found by `make fuzz`: FastAPI answered undocumented 400s for two
kinds of unparseable JSON, and a 500 when the 422 body had to echo a lone
surrogate.
"""

import json

from app.tests.api_client import Api, messages

JSON = {"content-type": "application/json"}


async def test_body_that_is_not_utf8_gets_422_json_invalid(api: Api) -> None:
    body = b'{"email": "\xff@example.com", "password": "long enough password"}'
    response = await api.request("POST", "register_new_user", content=body, headers=JSON)
    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "json_invalid"


async def test_body_nested_deeper_than_the_parser_allows_gets_422_json_invalid(api: Api) -> None:
    body = b"[" * 100_000
    response = await api.request("POST", "refresh_token", content=body, headers=JSON)
    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "json_invalid"


async def test_lone_surrogate_in_body_gets_422_that_echoes_it(api: Api) -> None:
    body = b'{"email": "\\ud800", "password": "long enough password"}'
    response = await api.request("POST", "register_new_user", content=body, headers=JSON)
    assert response.status_code == 422
    assert json.loads(response.content)["detail"][0]["input"] == "\ud800"


async def test_other_http_errors_keep_their_status_and_detail(api: Api, user: Api) -> None:
    response = await api.register(user.email)
    assert response.status_code == 409
    assert response.json() == {"detail": messages.EMAIL_ALREADY_REGISTERED}
