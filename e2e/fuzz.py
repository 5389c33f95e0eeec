"""Fuzz the API against its own OpenAPI document: `make fuzz` (`python -m e2e.fuzz`).

Schemathesis generates requests from /openapi.json, valid and invalid, and
sends them to a live server on a fresh database. The run fails on any 5xx and
on any response the document does not describe: an undocumented status code,
a body or a header that breaks its schema, another content type. It is
bounded by examples per operation and by a time budget, so it fits in CI.
"""

import os
import shutil
import subprocess
import sys

from e2e.fuzz_auth import BASE_URL_ENV
from e2e.live_server import fresh_database, live_server

CHECKS = ",".join(
    (
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "response_schema_conformance",
    )
)
MAX_EXAMPLES = os.environ.get("FUZZ_MAX_EXAMPLES", "50")
MAX_TIME_SECS = os.environ.get("FUZZ_MAX_TIME", "150")
REPORT_DIR = "e2e/artifacts/fuzz"


def schemathesis_command(base_url: str) -> list[str]:
    executable = shutil.which("schemathesis")
    if executable is None:
        raise RuntimeError("schemathesis is not installed: `uv sync --group fuzz`")
    return [
        executable,
        "run",
        f"{base_url}/openapi.json",
        f"--checks={CHECKS}",
        f"--max-examples={MAX_EXAMPLES}",
        f"--max-time={MAX_TIME_SECS}",
        "--workers=2",
        "--report=junit",
        f"--report-dir={REPORT_DIR}",
    ]


def main() -> int:
    with fresh_database() as database_url, live_server(database_url=database_url) as base_url:
        env = {**os.environ, "SCHEMATHESIS_HOOKS": "e2e.fuzz_auth", BASE_URL_ENV: base_url}
        return subprocess.run(schemathesis_command(base_url), env=env, check=False).returncode


if __name__ == "__main__":
    sys.exit(main())
