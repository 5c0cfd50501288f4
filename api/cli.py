"""Command-line tools: `flask --app wsgi seed` and `flask --app wsgi export-openapi`."""

import json
from pathlib import Path

import click
import yaml
from flask import Flask

from models import Studio, db
from seed_data import seed_database

REPOSITORY_ROOT = Path(__file__).resolve().parent.parent


def live_spec(app: Flask) -> dict:
    """The spec exactly as the running app serves it at /api/v1/swagger.json."""
    with app.test_client() as client:
        response = client.get("/api/v1/swagger.json", base_url="http://127.0.0.1:5000")
    spec = response.get_json()
    if response.status_code != 200 or "error" in spec:
        raise click.ClickException(f"the spec failed to render: {spec}")
    return spec


def spec_as_yaml(spec: dict) -> str:
    # A JSON round trip first: the spec holds tuples and lazy strings that safe_dump refuses.
    return yaml.safe_dump(json.loads(json.dumps(spec)), sort_keys=False, allow_unicode=True)


def register_commands(app: Flask) -> None:
    @app.cli.command("seed")
    @click.option("--if-empty", is_flag=True, help="Seed only a database that holds no studio yet.")
    def seed_command(if_empty: bool) -> None:
        """Create missing tables and load the studio's page content (idempotent)."""
        db.create_all()
        if if_empty and db.session.scalar(db.select(Studio).limit(1)) is not None:
            click.echo("The database already holds content; nothing seeded.")
            return
        added = seed_database()
        click.echo(f"Seeded: {', '.join(f'{count} {kind}' for kind, count in added.items())}.")

    @app.cli.command("export-openapi")
    @click.option("--output", default=str(REPOSITORY_ROOT / "openapi.yaml"), show_default=True)
    def export_openapi_command(output: str) -> None:
        """Write the live spec to openapi.yaml."""
        Path(output).write_text(spec_as_yaml(live_spec(app)), encoding="utf-8")
        click.echo(f"Wrote {output}.")
