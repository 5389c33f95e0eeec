"""Rotation (README): add the new key second, then move it first, then remove the old one.
Tokens signed by the old key keep verifying until it is removed."""

import jwt

from app.tests.api_client import Api, ApiFactory
from app.tests.tokens.support import private_key, signing

OLD, NEW = private_key("EdDSA", "old"), private_key("EdDSA", "new")


async def kids_published(api: Api) -> list[str]:
    jwks = (await api.request("GET", "read_jwks")).json()
    return [key["kid"] for key in jwks["keys"]]


def kid(api: Api) -> str:
    value: str = jwt.get_unverified_header(api.tokens["access_token"])["kid"]
    return value


async def test_rotation_keeps_old_tokens_valid_until_the_old_key_is_removed(
    make_api: ApiFactory,
) -> None:
    async with make_api(security=signing("EdDSA", OLD)) as before:
        old_token = await before.new_user()
        old_kid = kid(old_token)
        assert await kids_published(before) == [old_kid]
    # Step 1: the new key is published second; the old one still signs.
    async with make_api(security=signing("EdDSA", OLD, NEW)) as step1:
        published = await kids_published(step1)
        assert len(published) == 2
        assert published[0] == old_kid
        new_kid = published[1]
        assert kid(await step1.new_user()) == old_kid
        assert await old_token.via(step1).session_works()
    # Step 2: the new key signs; tokens of the old one still verify.
    async with make_api(security=signing("EdDSA", NEW, OLD)) as step2:
        assert await kids_published(step2) == [new_kid, old_kid]
        assert await old_token.via(step2).session_works()
        new_token = await step2.new_user()
        assert kid(new_token) == new_kid
        refreshed = old_token.via(step2)
        assert (await refreshed.refresh()).status_code == 200
        assert kid(refreshed) == new_kid
    # Step 3, after the access-token lifetime: the old key is gone, its tokens with it.
    async with make_api(security=signing("EdDSA", NEW)) as step3:
        assert await kids_published(step3) == [new_kid]
        assert not await old_token.via(step3).session_works()
        assert await new_token.via(step3).session_works()
