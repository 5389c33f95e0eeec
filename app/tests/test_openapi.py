"""The OpenAPI document and the interactive docs."""

from app.tests.api_client import Api


async def test_openapi_lists_every_error_of_the_token_endpoints(api: Api) -> None:
    response = await api.request("GET", "/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    token = paths[api.url("login_access_token")]["post"]
    assert "application/x-www-form-urlencoded" in token["requestBody"]["content"]
    assert "400" in token["responses"]
    assert "409" in paths[api.url("register_new_user")]["post"]["responses"]
    assert "401" in paths[api.url("read_current_user")]["get"]["responses"]
    assert "503" in paths[api.url("ready")]["get"]["responses"]


async def test_docs_are_served(api: Api) -> None:
    response = await api.request("GET", "/docs")
    assert response.status_code == 200
    assert "swagger" in response.text.lower()
