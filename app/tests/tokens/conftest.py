from collections.abc import AsyncIterator

import pytest

from app.tests.api_client import Api, ApiFactory
from app.tests.cookie_mode.browser import Browser, new_browser
from app.tests.tokens.support import INTROSPECTION


@pytest.fixture
async def service(make_api: ApiFactory) -> AsyncIterator[Api]:
    """An anonymous client of an app with the introspection client configured."""
    async with make_api(introspection=INTROSPECTION) as api:
        yield api


@pytest.fixture
async def browser(api: Api) -> Browser:
    """A newly registered account, logged in through cookie mode."""
    return await new_browser(api)
