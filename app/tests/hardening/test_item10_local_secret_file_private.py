"""Review item 10: the generated local JWT secret is private from its first byte.

It is created with O_EXCL and mode 0600 in a directory of mode 0700 (whatever
the umask), and a secret file or directory that other users can read or
write stops the start with a clear message.
"""

import os
import re
import stat
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from app.core.config import Settings
from app.core.security.local_secrets import InsecureSecretFileError
from app.tests.api_client import AppFactory

# Starts like a server process: loads (or generates) the secret, prints it.
LOAD_SECRET = (
    "from app.core.config import Settings; from app.core.security.jwt import load_jwt_secret; "
    "print(load_jwt_secret(Settings(_env_file=None, environment='local')))"
)


@contextmanager
def umask(mask: int) -> Iterator[None]:
    previous = os.umask(mask)
    try:
        yield
    finally:
        os.umask(previous)


@pytest.fixture
def local_settings(make_settings: Callable[..., Settings], tmp_path: Path) -> Settings:
    """Settings without a configured secret: the app generates one under `data_dir`."""
    return make_settings(security={"jwt_secret_key": None}, data_dir=tmp_path / "data")


def secret_file(settings: Settings) -> Path:
    return settings.data_dir / "secrets" / "jwt_secret"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize("mask", [0o000, 0o022])
async def test_generated_secret_and_its_directory_are_private_whatever_the_umask(
    make_app: AppFactory, local_settings: Settings, mask: int
) -> None:
    with umask(mask):
        async with make_app(local_settings):
            pass
    assert mode(secret_file(local_settings)) == 0o600
    assert mode(secret_file(local_settings).parent) == 0o700
    assert len(secret_file(local_settings).read_text()) >= 64
    # Nothing else was left behind: no draft of the file.
    assert [path.name for path in secret_file(local_settings).parent.iterdir()] == ["jwt_secret"]


@pytest.mark.parametrize("file_mode", [0o640, 0o604, 0o644, 0o620])
async def test_secret_file_open_to_group_or_others_stops_the_start(
    make_app: AppFactory, local_settings: Settings, file_mode: int
) -> None:
    async with make_app(local_settings):
        pass
    path = secret_file(local_settings)
    path.chmod(file_mode)
    with pytest.raises(InsecureSecretFileError, match=re.escape(f"chmod 600 {path}")):
        async with make_app(local_settings):
            pass


@pytest.mark.parametrize("directory_mode", [0o770, 0o707, 0o755])
async def test_secret_directory_open_to_group_or_others_stops_the_start(
    make_app: AppFactory, local_settings: Settings, directory_mode: int
) -> None:
    directory = secret_file(local_settings).parent
    directory.mkdir(parents=True)
    directory.chmod(directory_mode)
    with pytest.raises(InsecureSecretFileError, match=re.escape(f"chmod 700 {directory}")):
        async with make_app(local_settings):
            pass
    assert not secret_file(local_settings).exists()


def test_processes_starting_together_share_one_secret(tmp_path: Path) -> None:
    environment = {**os.environ, "DATA_DIR": str(tmp_path)}
    environment.pop("SECURITY__JWT_SECRET_KEY", None)
    processes = [
        subprocess.Popen(  # noqa: S603 - this interpreter, a constant program
            [sys.executable, "-c", LOAD_SECRET], env=environment, stdout=subprocess.PIPE, text=True
        )
        for _ in range(4)
    ]
    secrets = {process.communicate(timeout=60)[0].strip() for process in processes}
    assert all(process.returncode == 0 for process in processes)
    assert len(secrets) == 1
    assert secrets == {(tmp_path / "secrets" / "jwt_secret").read_text().strip()}
    assert [path.name for path in (tmp_path / "secrets").iterdir()] == ["jwt_secret"]
