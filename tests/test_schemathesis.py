"""Property-based testing of the whole API over its live spec with Schemathesis (4.x), every check on.

The app is served over real HTTP, by a server in a thread and by gunicorn as in production (SQLite, and
PostgreSQL when TEST_DATABASE_URL is set; SCHEMATHESIS_MAX_EXAMPLES sets the examples per operation, 25
by default), authenticated
with an admin key so that writes are exercised too. Passing means: no 5xx, and every response conforms
to the spec (status codes, content types, bodies, headers), with invalid input rejected and valid input
accepted. The only allowances are the spec's own: each operation's `x-valid-input-refusals` (what a
schema-valid request may still be refused for, and why) becomes that operation's positive_data_acceptance
statuses, on top of `schemathesis.toml`. Every check is on by default; `--checks all` on the command line
would override the per-operation settings, so the test leaves the choice to the configuration.
"""

import json
import os
import re
import subprocess
import sys
import urllib.request
from pathlib import Path

from api.spec import VALID_INPUT_REFUSALS
from models import db
from tests.servers import Gunicorn

REPOSITORY = Path(__file__).resolve().parent.parent
SCHEMATHESIS = str(Path(sys.executable).parent / "schemathesis")
# What positive_data_acceptance accepts from an operation whose spec names refusals of its own.
ACCEPTED_FROM_VALID_INPUT = ["2xx", "3xx", "401", "403", "404"]  # 3xx: a 304 to a matching If-None-Match


def schemathesis_config(spec: dict) -> str:
    """schemathesis.toml, plus each operation's own refusals of valid input, as the spec states them."""
    sections = [(REPOSITORY / "schemathesis.toml").read_text(encoding="utf-8")]
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            refusals = operation.get(VALID_INPUT_REFUSALS) if isinstance(operation, dict) else None
            if refusals:
                statuses = ACCEPTED_FROM_VALID_INPUT + sorted(refusals)
                sections.append(
                    f'[[operations]]\ninclude-name = "{method.upper()} {path}"\n'
                    f"checks.positive_data_acceptance.expected-statuses = {json.dumps(statuses)}\n"
                )
    return "\n".join(sections)


def _operation_count(spec: dict) -> int:
    return sum(1 for item in spec["paths"].values() for method in item if method != "parameters")


def _holds(base: str, admin_key: str, tmp_path: Path) -> None:
    """Run schemathesis with every check against the API at `base`; fail with its report if any fails."""
    spec_url = f"{base}/api/v1/openapi.json"
    with urllib.request.urlopen(spec_url) as response:
        spec = json.load(response)
    config = tmp_path / "schemathesis.toml"
    config.write_text(schemathesis_config(spec), encoding="utf-8")
    result = subprocess.run(
        [
            SCHEMATHESIS,
            "--config-file",
            str(config),
            "run",
            spec_url,
            "--header",
            f"Authorization: Bearer {admin_key}",
            "--max-examples",
            os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "25"),
            "--seed",
            "1",
            "--no-color",
        ],
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        timeout=3600,
    )
    summary = result.stdout[result.stdout.find("SUMMARY") :]
    print(summary)
    assert result.returncode == 0, result.stdout[-6000:]
    assert re.search(rf"Tested: {_operation_count(spec)}\b", summary), summary
    generated = int(re.search(r"(\d+) generated", summary).group(1))
    assert generated > 1000, summary


def test_the_live_spec_holds_under_generated_requests(live_server, admin_key, tmp_path):
    _holds(f"http://{live_server}", admin_key, tmp_path)


def test_the_spec_holds_against_gunicorn_as_it_is_served(seeded_app, admin_key, tmp_path):
    """The production server (gunicorn, two workers, the repository's gunicorn.conf.py), not a thread."""
    with seeded_app.app_context():
        db.engine.dispose()
    server = Gunicorn({"DATABASE_URL": seeded_app.config["SQLALCHEMY_DATABASE_URI"], "RATELIMIT_ENABLED": "false"})
    try:
        _holds(server.base, admin_key, tmp_path)
        assert "Traceback" not in server.output()
    finally:
        server.stop()
