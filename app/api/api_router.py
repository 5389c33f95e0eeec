"""Every router of the API, with its prefix."""

from fastapi import APIRouter

from app.api.endpoints import auth, health, metrics, users

api_router = APIRouter()
api_router.include_router(auth.router, prefix="/auth", tags=["auth"])
api_router.include_router(users.router, prefix="/users", tags=["users"])
api_router.include_router(health.router, prefix="/health", tags=["health"])
api_router.include_router(metrics.router, tags=["operations"])
