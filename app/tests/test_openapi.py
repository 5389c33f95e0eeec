"""The OpenAPI document and the interactive docs."""

import httpx
from fastapi import FastAPI


async def test_openapi_lists_every_error_of_the_token_endpoints(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    response = await client.get("/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    token = paths[app.url_path_for("login_access_token")]["post"]
    assert "application/x-www-form-urlencoded" in token["requestBody"]["content"]
    assert "400" in token["responses"]
    assert "409" in paths[app.url_path_for("register_new_user")]["post"]["responses"]
    assert "401" in paths[app.url_path_for("read_current_user")]["get"]["responses"]
    assert "503" in paths[app.url_path_for("ready")]["get"]["responses"]


async def test_docs_are_served(client: httpx.AsyncClient) -> None:
    response = await client.get("/docs")
    assert response.status_code == 200
    assert "swagger" in response.text.lower()
