"""Every router of the API; each router declares its own prefix and tags."""

from fastapi import APIRouter

from app.api.common_responses import BODY_TOO_LARGE, HOST_REJECTED, SERVICE_ERRORS
from app.api.endpoints import (
    admin,
    auth,
    email,
    health,
    metrics,
    mfa,
    passkeys,
    password_recovery,
    sessions,
    token_introspection,
    users,
    well_known,
)

api_router = APIRouter()
# Starlette matches routes in order, one by one, at a cost per route passed,
# so the routers of the busiest routes go first: `users` for GET /users/me
# (and before `admin`, so that /users/me is matched before
# /users/{user_id}); the introspection, which other services call for many
# of their requests (two routes); `auth` for the token endpoint and refresh.
api_router.include_router(users.router, responses=SERVICE_ERRORS)
api_router.include_router(token_introspection.router, responses=SERVICE_ERRORS)
api_router.include_router(auth.router, responses=SERVICE_ERRORS)
api_router.include_router(mfa.router, responses=SERVICE_ERRORS)
api_router.include_router(passkeys.router, responses=SERVICE_ERRORS)
api_router.include_router(sessions.router, responses=SERVICE_ERRORS)
api_router.include_router(email.users_router, responses=SERVICE_ERRORS)
api_router.include_router(admin.router, responses=SERVICE_ERRORS)
api_router.include_router(email.auth_router, responses=SERVICE_ERRORS)
api_router.include_router(password_recovery.router, responses=SERVICE_ERRORS)
api_router.include_router(well_known.router, responses={**HOST_REJECTED, **BODY_TOO_LARGE})
api_router.include_router(health.router, responses=BODY_TOO_LARGE)
api_router.include_router(metrics.router, responses={**HOST_REJECTED, **BODY_TOO_LARGE})
