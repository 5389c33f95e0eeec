"""FastAPI dependencies, as `Annotated` aliases so endpoint signatures read as prose."""

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


def get_settings_of_app(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_pool(request: Request) -> asyncpg.Pool:
    pool: asyncpg.Pool = request.app.state.database.pool
    return pool


def get_password_hashing(request: Request) -> PasswordHashing:
    hashing: PasswordHashing = request.app.state.password_hashing
    return hashing


def get_access_tokens(request: Request) -> AccessTokens:
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
    request: Request,
    token: Annotated[str, Depends(oauth2_scheme)],
    access_tokens: AccessTokensDep,
    pool: PoolDep,
) -> sessions.SessionUser:
    """Check the token's signature and claims, then its session and user in one query.

    The session check is what makes logout and revocation take effect at once,
    on every replica, instead of when the token expires.
    """
    try:
        claims = access_tokens.verify(token)
    except InvalidAccessTokenError as error:
        raise _unauthorized() from error
    user = await sessions.find_session_user(
        pool=pool, session_id=claims.session_id, user_id=claims.user_id
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


def get_background_jobs(request: Request) -> BackgroundJobs:
    jobs: BackgroundJobs = request.app.state.background_jobs
    return jobs


def get_cursor_signer(request: Request) -> CursorSigner:
    signer: CursorSigner = request.app.state.cursor_signer
    return signer


BackgroundJobsDep = Annotated[BackgroundJobs, Depends(get_background_jobs)]
CursorSignerDep = Annotated[CursorSigner, Depends(get_cursor_signer)]
