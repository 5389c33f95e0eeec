"""Review item 16: a replay within the grace period revokes when its successor was used."""

from app.tests.api_client import Api


async def test_replay_within_grace_revokes_when_the_successor_was_used(user: Api) -> None:
    """Review item 16: the replayed token's successor has been used, so this is no second tab."""
    first = user.tokens["refresh_token"]
    await user.refresh()
    await user.refresh()
    assert (await user.refresh(first)).status_code == 400
    assert await user.session_revoked()
