"""Fuzz the API against its own OpenAPI document: `make fuzz` (`python -m e2e.fuzz [ARGS]`).

Schemathesis generates requests from /openapi.json, valid and invalid, and
sends them to a live server on a fresh database. The run fails on any 5xx and
on any response the document does not describe: an undocumented status code,
a body or a header that breaks its schema, another content type. It runs
for a fixed time budget (FUZZ_MAX_TIME seconds), so it fits in CI.
Extra arguments go to `schemathesis run` (`--seed=N` repeats a run).
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

from e2e.fuzz_auth import BASE_URL_ENV
from e2e.live_server import fresh_database, live_server

CHECKS = ",".join(
    (
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "response_schema_conformance",
        # Sends the secured operations no token and a wrong one: 401 expected.
        "ignored_auth",
    )
)
MAX_EXAMPLES = os.environ.get("FUZZ_MAX_EXAMPLES", "50")
MAX_TIME_SECS = os.environ.get("FUZZ_MAX_TIME", "120")
JUNIT_REPORT = Path(__file__).parent / "artifacts" / "fuzz" / "junit.xml"


def schemathesis_command(base_url: str, extra_args: list[str]) -> list[str]:
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
        f"--report-junit-path={JUNIT_REPORT}",
        *extra_args,
    ]


def summary_line() -> str:
    """One closing line with the operations that passed and failed, from the JUnit report."""
    # Our own report, just written by Schemathesis: nothing untrusted to parse.
    suites = ElementTree.parse(JUNIT_REPORT).getroot()  # noqa: S314
    tests = int(suites.get("tests", "0"))
    failed = int(suites.get("failures", "0")) + int(suites.get("errors", "0"))
    return f"fuzz: {tests - failed} passed, {failed} failed"


def main() -> int:
    with fresh_database() as database_url, live_server(database_url=database_url) as base_url:
        env = {**os.environ, "SCHEMATHESIS_HOOKS": "e2e.fuzz_auth", BASE_URL_ENV: base_url}
        JUNIT_REPORT.unlink(missing_ok=True)
        command = schemathesis_command(base_url, sys.argv[1:])
        returncode = subprocess.run(command, env=env, check=False).returncode
    if JUNIT_REPORT.is_file():
        print(summary_line())
    return returncode


if __name__ == "__main__":
    sys.exit(main())
