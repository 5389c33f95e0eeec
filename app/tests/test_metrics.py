"""`/metrics`: HTTP traffic by route template, auth outcomes, throttling, database pools."""

import uuid

from prometheus_client.parser import text_string_to_metric_families

from app.tests.api_client import Api, ApiFactory
from app.tests.factories import new_email

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


async def scrape(api: Api) -> Samples:
    response = await api.metrics()
    assert response.status_code == 200
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


async def test_requests_are_counted_by_route_template_method_and_status(user: Api) -> None:
    labels = {"method": "GET", "route": "/users/me", "status": "200"}
    before = await scrape(user)

    await user.me()

    after = await scrape(user)
    for name in ("http_requests_total", "http_request_duration_seconds_count"):
        assert value(after, name, **labels) == value(before, name, **labels) + 1


async def test_unknown_paths_are_not_recorded(api: Api) -> None:
    path = f"/no-such-page-{uuid.uuid4().hex}"
    assert (await api.request("GET", path)).status_code == 404

    response = await api.metrics()

    assert path not in response.text


async def test_unknown_methods_are_labelled_other(api: Api) -> None:
    labels = {"method": "OTHER", "route": "/users/me", "status": "405"}
    before = await scrape(api)

    assert (await api.request("BREW", "read_current_user")).status_code == 405

    after = await scrape(api)
    assert (
        value(after, "http_requests_total", **labels)
        == value(before, "http_requests_total", **labels) + 1
    )


async def test_login_outcomes_are_counted(api: Api) -> None:
    await api.register()
    before = await scrape(api)

    await api.login()
    await api.login(password="wrong-pass")

    after = await scrape(api)
    for outcome in ("success", "failure"):
        assert value(after, "auth_logins_total", outcome=outcome) == (
            value(before, "auth_logins_total", outcome=outcome) + 1
        )


async def test_refreshes_and_reuse_detections_are_counted(make_api: ApiFactory) -> None:
    async with make_api(security={"refresh_reuse_grace_secs": 0}) as api:
        user = await api.new_user()
        spent = user.tokens["refresh_token"]
        before = await scrape(api)
        assert (await user.refresh()).status_code == 200
        assert (await user.refresh(spent)).status_code == 400
        after = await scrape(api)

    for outcome in ("success", "failure"):
        assert value(after, "auth_refreshes_total", outcome=outcome) == (
            value(before, "auth_refreshes_total", outcome=outcome) + 1
        )
    reuse = "auth_refresh_token_reuse_detections_total"
    assert value(after, reuse) == value(before, reuse) + 1


async def test_throttled_requests_are_counted(api: Api) -> None:
    before = await scrape(api)
    email = new_email()
    statuses = [(await api.register(email)).status_code for _ in range(6)]

    after = await scrape(api)
    assert statuses[-1] == 429
    assert value(after, "throttled_requests_total", action="register") == (
        value(before, "throttled_requests_total", action="register") + 1
    )


async def test_database_pool_is_reported(api: Api) -> None:
    await api.new_user()  # the ORM and hand-written SQL share the pool

    samples = await scrape(api)

    assert value(samples, "db_pool_connections") >= 1
    assert ("db_pool_checked_out_connections", frozenset()) in samples


async def test_metrics_need_no_token_when_none_is_configured_but_an_allowed_host(
    api: Api,
) -> None:
    allowed = await api.metrics()
    other_host = await api.request("GET", "read_metrics", headers={"Host": "10.1.2.3:8000"})

    assert allowed.status_code == 200
    assert allowed.headers["content-type"].startswith("text/plain")
    assert other_host.status_code == 400


async def test_routes_of_the_app_itself_are_counted_by_their_path(api: Api) -> None:
    labels = {"method": "GET", "route": "/openapi.json", "status": "200"}
    before = await scrape(api)

    assert (await api.openapi()).status_code == 200

    after = await scrape(api)
    assert value(after, "http_requests_total", **labels) == (
        value(before, "http_requests_total", **labels) + 1
    )
