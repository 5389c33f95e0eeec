"""The services a running application holds: built once by its lifespan, frozen."""

from dataclasses import dataclass

from app.core.background_jobs import BackgroundJobs
from app.core.config import Settings
from app.core.database import Database, resolve_database_url
from app.core.introspection_clients import IntrospectionClients
from app.core.migrations import upgrade_database
from app.core.pagination import CursorSigner
from app.core.security.common_passwords import common_passwords
from app.core.security.data_encryption import DataCipher, create_data_cipher
from app.core.security.jwt import AccessTokens, create_access_tokens, load_jwt_secret
from app.core.security.keys import derive_key
from app.core.security.password import PasswordHashing
from app.core.security.refresh_tokens import RefreshTokens
from app.core.throttle import Throttle

REFRESH_TOKEN_KEY_PURPOSE = b"refresh-token"


@dataclass(frozen=True, slots=True)
class Services:
    settings: Settings
    database: Database
    access_tokens: AccessTokens
    refresh_tokens: RefreshTokens
    password_hashing: PasswordHashing
    cursor_signer: CursorSigner
    background_jobs: BackgroundJobs
    throttle: Throttle
    data_cipher: DataCipher
    introspection_clients: IntrospectionClients


async def start_services(settings: Settings) -> Services:
    url = await resolve_database_url(settings)
    if settings.database.url is None:
        # The embedded database belongs to this checkout alone, so bringing it
        # up to date on start is safe; a configured server is migrated by an
        # explicit `app migrate` (one migration job, many replicas).
        await upgrade_database(url)
    common_passwords()  # load the list now rather than in the first request
    database = Database.open(url, settings.database)
    secret = load_jwt_secret(settings)
    throttle = Throttle(db=database, settings=settings.throttle)
    return Services(
        settings=settings,
        database=database,
        access_tokens=create_access_tokens(settings),
        refresh_tokens=RefreshTokens(key=derive_key(secret, REFRESH_TOKEN_KEY_PURPOSE)),
        password_hashing=PasswordHashing(settings.security),
        cursor_signer=CursorSigner(secret=secret),
        background_jobs=BackgroundJobs(),
        throttle=throttle,
        data_cipher=create_data_cipher(settings),
        introspection_clients=IntrospectionClients(
            clients=settings.introspection.clients, throttle=throttle
        ),
    )


async def stop_services(services: Services) -> None:
    # Jobs (emails being sent) still use the database: they go first.
    await services.background_jobs.close(timeout_secs=services.settings.smtp.timeout_secs)
    services.password_hashing.close()
    await services.database.close()
