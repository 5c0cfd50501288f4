"""Clients generated from the served OpenAPI 3.1 document, used as frontends and scripts use them.

TypeScript: openapi-typescript's types (committed in clients/typescript/src/schema.d.ts, kept equal to
what the live document generates) and openapi-fetch, in a program that `tsc --strict` type-checks and
node runs against a live server. Python: a client openapi-python-client generates from the live document,
in a script whose one-field PATCH must leave everything else as it was. Neither document is converted.
"""

import json
import os
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parent.parent
TYPESCRIPT = REPOSITORY / "clients" / "typescript"
NODE_BINARIES = TYPESCRIPT / "node_modules" / ".bin"
PYTHON_CLIENT = REPOSITORY / "clients" / "python"
SLUG = "massage-for-quadratus-lumborum"

needs_node_modules = pytest.mark.skipif(
    not (NODE_BINARIES / "tsc").exists() or shutil.which("node") is None,
    reason="TypeScript client runs skipped: run `npm ci --prefix clients/typescript` (needs Node.js; CI does)",
)


def _run(command: list[str], **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, **kwargs)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def _article(live_server: str, key: str | None = None) -> dict:
    request = urllib.request.Request(f"http://{live_server}/api/v1/articles/{SLUG}")
    if key:
        request.add_header("Authorization", f"Bearer {key}")
    with urllib.request.urlopen(request) as response:
        return json.load(response)["data"]


@needs_node_modules
def test_the_committed_typescript_types_are_what_the_served_document_generates(live_server, tmp_path):
    generated = tmp_path / "schema.d.ts"
    _run(
        [
            str(NODE_BINARIES / "openapi-typescript"),
            f"http://{live_server}/api/v1/openapi.json",
            "--output",
            str(generated),
        ]
    )
    committed = (TYPESCRIPT / "src" / "schema.d.ts").read_text(encoding="utf-8")
    assert generated.read_text(encoding="utf-8") == committed, "run `make clients` and commit clients/typescript/src"


@needs_node_modules
def test_the_typescript_example_type_checks_strictly_and_runs(live_server, editor_key):
    _run([str(NODE_BINARIES / "tsc"), "--project", str(TYPESCRIPT)])  # strict, per its tsconfig.json
    environment = {**os.environ, "API_BASE_URL": f"http://{live_server}/api/v1", "API_KEY": editor_key}
    before = _article(live_server, editor_key)
    output = _run(["node", str(TYPESCRIPT / "dist" / "example.js")], env=environment).stdout
    assert f"the newest is {SLUG}" in output
    assert "revalidated: 304" in output
    assert "status still published" in output
    assert "per_page=500: 400 Bad Request; errors name per_page" in output
    after = _article(live_server, editor_key)
    assert after["excerpt"] == "Edited through the generated TypeScript types."
    assert {name: value for name, value in after.items() if name not in ("excerpt", "seo", "updated_at")} == {
        name: value for name, value in before.items() if name not in ("excerpt", "seo", "updated_at")
    }


def test_a_generated_python_client_edits_one_field_and_leaves_the_article_published(live_server, editor_key, tmp_path):
    generator = Path(sys.executable).parent / "openapi-python-client"
    environment = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    _run(
        [
            str(generator),
            "generate",
            "--url",
            f"http://{live_server}/api/v1/openapi.json",
            "--meta",
            "none",
            "--output-path",
            str(tmp_path / "studio_client"),
            "--config",
            str(PYTHON_CLIENT / "config.yaml"),
        ],
        env=environment,
    )
    before = _article(live_server, editor_key)
    script_environment = {
        **environment,
        "API_BASE_URL": f"http://{live_server}/api/v1",
        "API_KEY": editor_key,
        "PYTHONPATH": str(tmp_path),
    }
    output = _run([sys.executable, str(PYTHON_CLIENT / "example.py")], env=script_environment).stdout
    assert "changed: excerpt, seo, updated_at; status published" in output
    after = _article(live_server)  # the public read: still published
    assert after["status"] == "published" and after["published_at"] == before["published_at"]
    assert after["title"] == before["title"] and after["topics"] == before["topics"]
