"""FastAPI dependencies, as `Annotated` aliases so endpoint signatures read as prose."""

from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import OAuth2PasswordBearer

from app.core import messages, second_factor, sessions
from app.core.client_address import Client, client_address, user_agent_of
from app.core.security.jwt import InvalidAccessTokenError
from app.core.services import Services

# The Swagger "Authorize" button posts the OAuth2 password form here.
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="auth/access-token")

SERVICES_KEY = "services"


def services_of(request: Request) -> Services:
    """The services the lifespan built, from the request's copy of the lifespan state.

    Read directly by the hot paths (`GET /users/me`, the refresh grant), and
    through `ServicesDep` elsewhere: FastAPI resolves each sub-dependency with
    some eighty Python calls per request, several times this lookup.
    """
    services: Services = request.scope["state"][SERVICES_KEY]
    return services


# `async def`: FastAPI runs a plain `def` dependency in a worker thread, and
# the two thread hops cost more than the lookup; it does no I/O.
async def get_services(request: Request) -> Services:
    return services_of(request)


ServicesDep = Annotated[Services, Depends(get_services)]


def client_of(request: Request) -> Client:
    """Who sent the request (address and user agent); read directly by the hot paths."""
    trusted = services_of(request).settings.security.trusted_proxies
    return Client(
        address=client_address(request.scope, trusted), user_agent=user_agent_of(request.scope)
    )


async def get_client(request: Request) -> Client:
    return client_of(request)


ClientDep = Annotated[Client, Depends(get_client)]


def _unauthorized() -> HTTPException:
    return HTTPException(
        status_code=status.HTTP_401_UNAUTHORIZED,
        detail=messages.INVALID_ACCESS_TOKEN,
        headers={"WWW-Authenticate": "Bearer"},
    )


async def get_current_user(
    token: Annotated[str, Depends(oauth2_scheme)], request: Request
) -> sessions.SessionUser:
    """Check the token's signature and claims, then its session and user in one query.

    The session check is what makes logout and revocation take effect at once,
    on every replica, instead of when the token expires.
    """
    services = services_of(request)
    try:
        claims = services.access_tokens.verify(token)
    except InvalidAccessTokenError as error:
        raise _unauthorized() from error
    user = await sessions.find_session_user(
        db=services.database, session_id=claims.session_id, user_id=claims.user_id
    )
    if user is None:
        raise _unauthorized()
    request.scope["state"]["user_id"] = user.user_id  # for the request log
    return user


CurrentUser = Annotated[sessions.SessionUser, Depends(get_current_user)]


async def get_current_superuser(user: CurrentUser, request: Request) -> sessions.SessionUser:
    """A superuser; with SECURITY__REQUIRE_MFA_FOR_SUPERUSERS, signed in with a second factor."""
    if not user.is_superuser:
        raise HTTPException(
            status_code=status.HTTP_403_FORBIDDEN, detail=messages.SUPERUSER_REQUIRED
        )
    settings = services_of(request).settings.security
    if settings.require_mfa_for_superusers and not second_factor.proves_second_factor(user.amr):
        raise HTTPException(
            status_code=status.HTTP_403_FORBIDDEN, detail=messages.SECOND_FACTOR_REQUIRED
        )
    return user


CurrentSuperuser = Annotated[sessions.SessionUser, Depends(get_current_superuser)]
