"""Review item 1 (High): a client cannot choose the address it is throttled by.

Only `SECURITY__TRUSTED_PROXIES` decides whether `X-Forwarded-For` is read
(right to left, past the trusted proxies); the server never rewrites the
peer itself, and an entry that is not an IP address never becomes a throttle
key. Proven on real server processes started as the image starts them (its
`CMD` and `ENV`, read from the Dockerfile) and as `make run` does (`app
serve`), and on the app for the forms an entry can take.
"""

import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlalchemy import URL

from app.tests.api_client import Api, ApiFactory
from app.tests.factories import new_email
from app.tests.hardening.deployment_files import image_command, image_environment
from app.tests.servers import ServerProcess, run_command, server_env

pytestmark = pytest.mark.usefixtures("db")

METRICS_TOKEN = "metrics-token-" + "m" * 32
PROGRAMS = {"app": [sys.executable, "-m", "app"], "uvicorn": [sys.executable, "-m", "uvicorn"]}
WAYS_TO_RUN = ["image", "app serve"]


def _with_option(argv: list[str], option: str, value: str) -> list[str]:
    if option not in argv:
        return [*argv, option, value]
    at = argv.index(option)
    return [*argv[: at + 1], value, *argv[at + 2 :]]


def _on_loopback(argv: list[str]) -> Callable[[int], list[str]]:
    """`argv` run by this Python, on 127.0.0.1 and the port given."""
    argv = _with_option(argv, "--host", "127.0.0.1")
    return lambda port: [*PROGRAMS[argv[0]], *_with_option(argv, "--port", str(port))[1:]]


def image_argv(port: int) -> list[str]:
    """The image's CMD, on 127.0.0.1 and `port`."""
    return _on_loopback(image_command())(port)


def _command(way: str) -> Callable[[int], list[str]]:
    return image_argv if way == "image" else _on_loopback(["app", "serve"])


# What the image's production start-up checks need beyond the test settings.
PRODUCTION_CHECKS_MET = {
    "SECURITY__PASSWORD_HASH_MEMORY_KIB": "19456",
    "SECURITY__PASSWORD_HASH_TIME_COST": "2",
    "RECOVERY__ENABLED": "false",
}


@asynccontextmanager
async def serving(
    way: str, database_url: URL, log_dir: Path, **settings: str
) -> AsyncIterator[ServerProcess]:
    """A server run `way`, two throttled attempts allowed per client address."""
    image_env = {**image_environment(), **PRODUCTION_CHECKS_MET} if way == "image" else {}
    env = server_env(
        database_url,
        log_dir,
        **image_env,
        METRICS__BEARER_TOKEN=METRICS_TOKEN,
        THROTTLE__REQUESTS_PER_ADDRESS="2",
        **settings,
    )
    async with run_command(env, log_dir, _command(way)) as server:
        yield server


async def failed_logins(api: Api, *forwarded_for: str | None) -> list[int]:
    """The status of a wrong-password login sent with each X-Forwarded-For value (None: none)."""
    statuses = []
    for value in forwarded_for:
        response = await api.request(
            "POST",
            "login_access_token",
            data={"username": new_email(), "password": "a wrong password"},
            headers={"X-Forwarded-For": value} if value is not None else {},
        )
        statuses.append(response.status_code)
    return statuses


@asynccontextmanager
async def client_of_server(
    way: str, database_url: URL, log_dir: Path, app: FastAPI, **settings: str
) -> AsyncIterator[Api]:
    """A client of a server run `way` (see `serving`)."""
    async with (
        serving(way, database_url, log_dir, **settings) as server,
        Api.remote(server.base_url, app) as api,
    ):
        yield api


@pytest.mark.parametrize("way", WAYS_TO_RUN)
async def test_forwarded_for_from_an_untrusted_peer_gets_no_fresh_bucket(
    way: str, database_url: URL, tmp_path: Path, app: FastAPI
) -> None:
    async with client_of_server(way, database_url, tmp_path, app) as api:
        statuses = await failed_logins(api, "203.0.113.1", "203.0.113.2", "203.0.113.3")

    assert statuses == [400, 400, 429]


@pytest.mark.parametrize("way", WAYS_TO_RUN)
async def test_non_ip_entries_from_a_trusted_proxy_count_against_the_proxy(
    way: str, database_url: URL, tmp_path: Path, app: FastAPI
) -> None:
    trusted = {"SECURITY__TRUSTED_PROXIES": '["127.0.0.1"]'}
    async with client_of_server(way, database_url, tmp_path, app, **trusted) as api:
        statuses = await failed_logins(api, "not-an-ip-1", "not-an-ip-2", "not-an-ip-3")

    assert statuses == [400, 400, 429]


@pytest.mark.parametrize("way", WAYS_TO_RUN)
async def test_a_trusted_proxy_gives_each_client_its_own_bucket(
    way: str, database_url: URL, tmp_path: Path, app: FastAPI
) -> None:
    trusted = {"SECURITY__TRUSTED_PROXIES": '["127.0.0.1"]'}
    clients = ["203.0.113.1", "203.0.113.1", "203.0.113.2", "203.0.113.1"]
    async with client_of_server(way, database_url, tmp_path, app, **trusted) as api:
        statuses = await failed_logins(api, *clients)

    assert statuses == [400, 400, 400, 429]


async def shares_a_bucket(make_api: ApiFactory, first: str | None, second: str | None) -> bool:
    """Whether a login sent with X-Forwarded-For `second` is counted with one sent with `first`.

    Both come from the trusted proxy 127.0.0.1, one attempt allowed per address.
    """
    async with make_api(
        peer=("127.0.0.1", 4711),
        security={"trusted_proxies": ["127.0.0.1", "10.0.0.0/8"]},
        throttle={"requests_per_address": 1},
    ) as api:
        statuses = await failed_logins(api, first, second)
    assert statuses[0] == 400
    return statuses[1] == 429


@pytest.mark.parametrize(
    "forwarded_for",
    [
        "not-an-address",
        "203.0.113.7, not-an-address",
        "",
        "[2001:db8::1",
        "[2001:db8::1]x",
        "[2001:db8::1]:x",
        "203.0.113.7:port",
    ],
)
async def test_an_entry_that_is_not_an_ip_address_counts_as_the_peer(
    make_api: ApiFactory, forwarded_for: str
) -> None:
    assert await shares_a_bucket(make_api, forwarded_for, None)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("not-an-address, 203.0.113.7", "203.0.113.7"),
        ("203.0.113.7:4711", "203.0.113.7"),
        ("[2001:db8::1]:4711", "2001:db8::2"),
        ("[2001:DB8::1]", "2001:db8::3"),
        ("10.0.0.3, 10.0.0.2", "10.0.0.3"),
    ],
)
async def test_entries_are_read_as_the_address_they_name(
    make_api: ApiFactory, first: str, second: str
) -> None:
    assert await shares_a_bucket(make_api, first, second)


@pytest.mark.parametrize("forwarded_for", ["203.0.113.7", "2001:db8::1", "10.0.0.3"])
async def test_an_address_from_a_trusted_proxy_is_not_the_peer(
    make_api: ApiFactory, forwarded_for: str
) -> None:
    assert not await shares_a_bucket(make_api, forwarded_for, None)
