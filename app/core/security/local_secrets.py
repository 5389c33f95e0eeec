"""Secrets generated once for a local server and kept under `DATA_DIR/secrets`.

Production is configured with its secrets and keys and never generates one
(see config.py). A generated file is private from its first byte: mode 0600
in a directory of mode 0700, and a file or directory that other users could
read or replace stops the start.
"""

import contextlib
import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path

SECRET_DIR_NAME = "secrets"
# Permission bits of group and others: none may be set on a secret file
# (others could read it) nor on its directory (others could replace it).
OPEN_TO_OTHERS = stat.S_IRWXG | stat.S_IRWXO


class InsecureSecretFileError(Exception):
    """A generated secret's file or directory is open to other users: the start stops."""


def read_or_create(directory: Path, name: str, *, make: Callable[[], str], what: str) -> str:
    """The content of `directory/name`, written first by `make()` if the file is missing.

    `what` says in an error what others could do with the file ("sign access tokens").
    """
    # mkdir's mode passes through the umask, which can only take bits away.
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    directory_mode = stat.S_IMODE(directory.stat().st_mode)
    if directory_mode & OPEN_TO_OTHERS:
        raise InsecureSecretFileError(
            f"{directory} is open to group or others (mode {directory_mode:04o}), who "
            f"could replace the secret {name} in it: chmod 700 {directory}"
        )
    path = directory / name
    if not path.exists():
        _create(path, make())
    with path.open(encoding="utf-8") as file:
        # The mode of the file read, not of a path that may change meanwhile.
        mode = stat.S_IMODE(os.fstat(file.fileno()).st_mode)
        if mode & OPEN_TO_OTHERS:
            raise InsecureSecretFileError(
                f"{path} is open to group or others (mode {mode:04o}), who could {what} "
                f"with it: chmod 600 {path}"
            )
        return file.read().strip()


def _create(path: Path, content: str) -> None:
    """Write `content` to `path` unless another process does it first.

    The draft is made by mkstemp (O_CREAT | O_EXCL, mode 0600 from the start),
    written in full, then linked into place: two processes starting together
    both end up with the first one's content, never a half-written file.
    """
    descriptor, draft = tempfile.mkstemp(prefix=f"{path.name}.", dir=path.parent)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write(content)
        with contextlib.suppress(FileExistsError):
            os.link(draft, path)
    finally:
        os.unlink(draft)
