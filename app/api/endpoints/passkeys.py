"""Passkeys (WebAuthn): `/users/me/passkeys` and the sign-in options `/auth/passkey/options`."""

import uuid
from typing import Any

from fastapi import APIRouter, status

from app.api.common_responses import THROTTLED, UNAUTHORIZED, error
from app.api.deps import ClientDep, CurrentUser, ServicesDep
from app.core import messages, passkey_grant, passkeys
from app.schemas.requests import PasskeyCreateRequest
from app.schemas.responses import PasskeyResponse

router = APIRouter(tags=["passkeys"])


@router.post("/users/me/passkeys/registration-options", responses={**UNAUTHORIZED, **THROTTLED})
async def passkey_registration_options(
    user: CurrentUser, services: ServicesDep, client: ClientDep
) -> dict[str, Any]:
    """WebAuthn `PublicKeyCredentialCreationOptionsJSON` for `navigator.credentials.create()`."""
    return await passkeys.registration_options(services=services, client=client, session=user)


@router.post(
    "/users/me/passkeys",
    status_code=status.HTTP_201_CREATED,
    responses={**UNAUTHORIZED, **THROTTLED, **error(400, messages.PASSKEY_NOT_VERIFIED)},
)
async def add_passkey(
    body: PasskeyCreateRequest, user: CurrentUser, services: ServicesDep, client: ClientDep
) -> PasskeyResponse:
    """Register a passkey from its `RegistrationResponseJSON`."""
    passkey = await passkeys.register(
        services=services, client=client, session=user, credential=body.credential, name=body.name
    )
    return PasskeyResponse.model_validate(passkey)


@router.get("/users/me/passkeys", responses=UNAUTHORIZED)
async def list_passkeys(user: CurrentUser, services: ServicesDep) -> list[PasskeyResponse]:
    found = await passkeys.list_passkeys(db=services.database, user_id=user.user_id)
    return [PasskeyResponse.model_validate(passkey) for passkey in found]


@router.delete(
    "/users/me/passkeys/{passkey_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={**UNAUTHORIZED, **error(404, messages.PASSKEY_NOT_FOUND)},
)
async def delete_passkey(
    passkey_id: uuid.UUID, user: CurrentUser, services: ServicesDep, client: ClientDep
) -> None:
    await passkeys.delete_passkey(
        db=services.database, client=client, user_id=user.user_id, passkey_id=passkey_id
    )


@router.post("/auth/passkey/options", responses=THROTTLED)
async def passkey_sign_in_options(services: ServicesDep, client: ClientDep) -> dict[str, Any]:
    """WebAuthn `PublicKeyCredentialRequestOptionsJSON` for `navigator.credentials.get()`;
    send the answer as `credential` of the `passkey` grant."""
    return await passkey_grant.authentication_options(services=services, client=client)
