"""FastAPI dependencies, as `Annotated` aliases so endpoint signatures read as prose."""

from dataclasses import dataclass
from typing import Annotated

import asyncpg
from fastapi import Depends, HTTPException, Request, status
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.ext.asyncio import AsyncSession

from app.api import api_messages
from app.core import sessions
from app.core.background_jobs import BackgroundJobs
from app.core.config import Settings
from app.core.database_session import get_session
from app.core.pagination import CursorSigner
from app.core.security.jwt import AccessTokens, InvalidAccessTokenError
from app.core.security.password import PasswordHashing

# The Swagger "Authorize" button posts the OAuth2 password form here.
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="auth/access-token")


@dataclass(frozen=True, slots=True)
class Services:
    """What the endpoints need from the running app (built by the lifespan)."""

    settings: Settings
    pool: asyncpg.Pool
    access_tokens: AccessTokens
    password_hashing: PasswordHashing


def services_of(request: Request) -> Services:
    """The app's services, read directly, for the endpoints on the hot paths.

    Not a dependency on purpose: FastAPI resolves each sub-dependency with
    some eighty Python calls per request (cache key, scopes, generator
    checks), several times the lookup it wraps. `GET /users/me` and the
    refresh grant, which every client calls many times a second, take the
    `Request` (injected for free) and call this instead; elsewhere the
    `...Dep` aliases below keep signatures readable.
    """
    state = request.app.state
    return Services(
        settings=state.settings,
        pool=state.database.pool,
        access_tokens=state.access_tokens,
        password_hashing=state.password_hashing,
    )


# These accessors are `async def` on purpose: FastAPI runs a plain `def`
# dependency in a worker thread, and on `GET /users/me` its two thread hops
# (queue handoffs, waking the event loop) took more time than its database
# query. They do no I/O, so running them on the loop blocks nothing.


async def get_settings_of_app(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_pool(request: Request) -> asyncpg.Pool:
    pool: asyncpg.Pool = request.app.state.database.pool
    return pool


async def get_password_hashing(request: Request) -> PasswordHashing:
    hashing: PasswordHashing = request.app.state.password_hashing
    return hashing


async def get_access_tokens(request: Request) -> AccessTokens:
    access_tokens: AccessTokens = request.app.state.access_tokens
    return access_tokens


SettingsDep = Annotated[Settings, Depends(get_settings_of_app)]
SessionDep = Annotated[AsyncSession, Depends(get_session)]
PoolDep = Annotated[asyncpg.Pool, Depends(get_pool)]
PasswordHashingDep = Annotated[PasswordHashing, Depends(get_password_hashing)]
AccessTokensDep = Annotated[AccessTokens, Depends(get_access_tokens)]


def _unauthorized() -> HTTPException:
    return HTTPException(
        status_code=status.HTTP_401_UNAUTHORIZED,
        detail=api_messages.INVALID_ACCESS_TOKEN,
        headers={"WWW-Authenticate": "Bearer"},
    )


async def get_current_user(
    token: Annotated[str, Depends(oauth2_scheme)], request: Request
) -> sessions.SessionUser:
    """Check the token's signature and claims, then its session and user in one query.

    The session check is what makes logout and revocation take effect at once,
    on every replica, instead of when the token expires.
    """
    # Every request of a signed-in user passes here: see services_of.
    services = services_of(request)
    try:
        claims = services.access_tokens.verify(token)
    except InvalidAccessTokenError as error:
        raise _unauthorized() from error
    user = await sessions.find_session_user(
        pool=services.pool, session_id=claims.session_id, user_id=claims.user_id
    )
    if user is None:
        raise _unauthorized()
    request.scope["state"]["user_id"] = user.user_id  # for the request log
    return user


CurrentUser = Annotated[sessions.SessionUser, Depends(get_current_user)]


async def get_current_superuser(user: CurrentUser) -> sessions.SessionUser:
    if not user.is_superuser:
        raise HTTPException(
            status_code=status.HTTP_403_FORBIDDEN, detail=api_messages.SUPERUSER_REQUIRED
        )
    return user


CurrentSuperuser = Annotated[sessions.SessionUser, Depends(get_current_superuser)]


async def get_background_jobs(request: Request) -> BackgroundJobs:
    jobs: BackgroundJobs = request.app.state.background_jobs
    return jobs


async def get_cursor_signer(request: Request) -> CursorSigner:
    signer: CursorSigner = request.app.state.cursor_signer
    return signer


BackgroundJobsDep = Annotated[BackgroundJobs, Depends(get_background_jobs)]
CursorSignerDep = Annotated[CursorSigner, Depends(get_cursor_signer)]
