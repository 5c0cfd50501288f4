"""Command-line tools: `flask --app wsgi` seed, export-openapi, export, import, search-index, api-keys and worker."""

import json
import logging
from datetime import timedelta
from pathlib import Path
from typing import Any

import click
import yaml
from flask import Flask

from api.collection.indexed_search import search_index
from api.config import MIGRATIONS_DIRECTORY, REPOSITORY_ROOT
from api.transfer import ExportFailed, ImportRefused, export_document, import_document
from api.web.routing import API_PREFIX
from models import ApiKey, Studio, db
from models.auth import ROLES, active_key_named, create_key, revoke_key, rotate_key
from models.types import utcnow
from seed_data import seed_database


def live_spec(app: Flask) -> dict[str, Any]:
    """The spec exactly as the running app serves it at /api/v1/openapi.json."""
    with app.test_client() as client:
        response = client.get(f"{API_PREFIX}/openapi.json", base_url="http://127.0.0.1:5000")
    spec: dict[str, Any] = response.get_json()
    if response.status_code != 200 or "openapi" not in spec:
        raise click.ClickException(f"the spec failed to render: {spec}")
    return spec


# Flask-RESTX lists a path's operations in the order of a set (it changes from run to run): the file
# lists them in this order, so that a change to the code is all that changes the file.
_OPERATION_ORDER = ("parameters", "get", "post", "put", "patch", "delete")


def spec_as_yaml(spec: dict[str, Any]) -> str:
    # A JSON round trip first: the spec holds tuples and lazy strings that safe_dump refuses.
    document = json.loads(json.dumps(spec))
    for path, item in document.get("paths", {}).items():
        document["paths"][path] = dict(sorted(item.items(), key=lambda entry: _OPERATION_ORDER.index(entry[0])))
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True)


def upgrade_schema() -> None:
    """Apply every migration not yet applied (Flask-Migrate is imported here, not by a serving worker)."""
    from flask_migrate import upgrade

    upgrade(directory=MIGRATIONS_DIRECTORY)


def register_commands(app: Flask) -> None:
    @app.cli.command("seed")
    @click.option("--if-empty", is_flag=True, help="Seed only a database that holds no studio yet.")
    def seed_command(if_empty: bool) -> None:
        """Bring the schema up to date (migrations), then load the studio's page content (idempotent)."""
        upgrade_schema()
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

    @app.cli.command("export")
    @click.option("--output", "-o", default="-", show_default=True, help="The file to write; - for standard output.")
    @click.option("--with-revisions", is_flag=True, help="Also every item's revisions.")
    def export_command(output: str, with_revisions: bool) -> None:
        """Write all content (articles, topics, series, images, the studio, its hours) as one versioned JSON document."""
        try:
            document = export_document(with_revisions)
        except ExportFailed as failure:
            raise click.ClickException(str(failure)) from None
        text = json.dumps(document, ensure_ascii=False, indent=1) + "\n"
        if output == "-":
            click.echo(text, nl=False)
        else:
            Path(output).write_text(text, encoding="utf-8")
            click.echo(f"Wrote {output}.", err=True)

    @app.cli.command("import")
    @click.argument("source", type=click.File("r", encoding="utf-8"))
    def import_command(source: Any) -> None:
        """Load a document `export` wrote (SOURCE, or - for standard input): same slugs update, new ones are
        created, nothing is duplicated; if anything in it is invalid, nothing is written."""
        upgrade_schema()
        try:
            document = json.load(source)
        except json.JSONDecodeError as error:
            raise click.ClickException(f"not JSON: {error}") from None
        try:
            counts = import_document(document)
        except ImportRefused as refusal:
            click.echo(f"Refused: {len(refusal.problems)} problem(s); nothing was written.", err=True)
            for place, messages in refusal.problems.items():
                for message in messages:
                    click.echo(f"  {place}: {message}", err=True)
            raise SystemExit(1) from None
        by_type: dict[str, list[str]] = {}
        for (item_type, outcome), count in sorted(counts.items()):
            by_type.setdefault(item_type, []).append(f"{count} {outcome}")
        summary = "; ".join(f"{item_type}: {', '.join(done)}" for item_type, done in by_type.items())
        click.echo(f"Imported: {summary or 'nothing'}.")

    @app.cli.command("search-index")
    @click.option("--rebuild", is_flag=True, help="Build it anew from every article, whatever it holds.")
    def search_index_command(rebuild: bool) -> None:
        """Bring this instance's search index up to the database (building it if it has none), as the worker
        does every minute: before serving a large database's first searches, or after writing to the
        database outside the API. Safe while the API serves; searches ask the database until it is done."""
        index = search_index()
        if index is None:
            raise click.ClickException("SEARCH_INDEX is off: searches ask the database.")
        if rebuild:
            click.echo(f"Search index rebuilt: {index.rebuild():,} articles in {index.path}.")
        elif index.keep_up():
            click.echo(f"Search index up to date at content version {index.version} in {index.path}.")

    @app.cli.command("worker")
    @click.option("--threads", type=click.IntRange(min=1, max=64), default=4, show_default=True,
                  help="How many deliveries one worker sends at once.")  # fmt: skip
    def worker_command(threads: int) -> None:
        """Run a worker: webhook deliveries and their retries, and scheduled items' going-live events
        (Huey's consumer on JOBS_URL). Run as many as you like, on any machine that shares the queue."""
        jobs = app.extensions["jobs"]
        jobs.worker = True
        # Huey's own log (tasks run, retried, failed) goes where the app's goes: JSON lines on stderr.
        huey_log = logging.getLogger("huey")
        huey_log.handlers = list(logging.getLogger("api").handlers)
        huey_log.setLevel(app.config.get("LOG_LEVEL", "INFO"))
        huey_log.propagate = False
        sqlite_queue = not app.config["JOBS_URL"].startswith(("redis", "unix"))
        # An idle worker polls an SQLite queue at least every half second (Redis wakes it at once).
        consumer = jobs.huey.create_consumer(
            workers=threads, worker_type="thread", max_delay=0.5 if sqlite_queue else 10.0, initial_delay=0.05
        )
        click.echo(f"Worker: {threads} threads on {app.config['JOBS_URL'].split('@')[-1]}.", err=True)
        consumer.run()

    @app.cli.group("api-keys")
    def api_keys() -> None:
        """Make, list and revoke the API keys that writes need."""

    @api_keys.command("create")
    @click.argument("name")
    @click.option(
        "--role",
        type=click.Choice(ROLES),
        required=True,
        help="viewer: reads drafts and previews, writes nothing; editor: also articles and topics; admin: everything.",
    )
    @click.option("--expires-in-days", type=click.IntRange(min=1), help="The key stops working after this many days.")
    def create_key_command(name: str, role: str, expires_in_days: int | None) -> None:
        """Make a key called NAME; it is printed once, as the last line."""
        if active_key_named(name) is not None:
            raise click.ClickException(f"an active key is called {name!r} already (revoke it, or rotate it)")
        expires_at = utcnow() + timedelta(days=expires_in_days) if expires_in_days else None
        token = create_key(name, role, expires_at)
        until = f", valid until {expires_at:%Y-%m-%d %H:%M} UTC" if expires_at else ""
        click.echo(f"Created the {role} key {name!r}{until}. It is shown only now; keep it safe:")
        click.echo(token)

    @api_keys.command("rotate")
    @click.argument("name")
    @click.option(
        "--grace-hours",
        type=click.IntRange(min=0),
        default=24,
        show_default=True,
        help="How long the old key keeps working, for the scripts that still send it.",
    )
    def rotate_key_command(name: str, grace_hours: int) -> None:
        """Give the key called NAME a new secret, printed once as the last line; the old one keeps working
        for the grace period."""
        token = rotate_key(name, timedelta(hours=grace_hours))
        if token is None:
            raise click.ClickException(f"no active key is called {name!r}")
        click.echo(f"Rotated {name!r}: the old key works for {grace_hours} more hours. The new one, shown only now:")
        click.echo(token)

    @api_keys.command("list")
    def list_keys_command() -> None:
        """List the keys: name, role, created, last used, revoked (never the keys themselves)."""
        keys = db.session.scalars(db.select(ApiKey).order_by(ApiKey.name)).all()
        click.echo(f"{'name':<24} {'role':<7} {'created':<20} {'last used':<20} {'expires':<20} revoked")
        for key in keys:
            stamp = lambda moment: moment.strftime("%Y-%m-%d %H:%M:%S") if moment else "-"  # noqa: E731
            click.echo(
                f"{key.name:<24} {key.role:<7} {stamp(key.created_at):<20} {stamp(key.last_used_at):<20} "
                f"{stamp(key.expires_at):<20} {stamp(key.revoked_at)}"
            )

    @api_keys.command("revoke")
    @click.argument("name")
    def revoke_key_command(name: str) -> None:
        """Revoke the key called NAME; it stops working at once."""
        if not revoke_key(name):
            raise click.ClickException(f"no active key is called {name!r}")
        click.echo(f"Revoked {name!r}.")
