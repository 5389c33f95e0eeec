import pytest

from app.tests.api_client import Api
from app.tests.cookie_mode.browser import Browser, new_browser


@pytest.fixture
async def browser(api: Api) -> Browser:
    """A newly registered account, logged in through cookie mode."""
    return await new_browser(api)
