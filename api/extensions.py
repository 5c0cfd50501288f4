"""The Flask extensions, created unbound; `create_app` binds them to each app with `init_app`.

The database handle `db` lives with the models (`models.db`); the rate limiter
is made per app in `api.web.limits`, since its budgets are the app's own.
"""

from flask_compress import Compress
from flask_cors import CORS
from flask_migrate import Migrate

from api.config import MIGRATIONS_DIRECTORY
from models.indexes import is_postgresql_only_index
from models.search import is_search_object, restore_search_after_migration
from models.types import render_migration_item


def include_in_migrations(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    """Autogenerate leaves search's tables, columns and indexes, and PostgreSQL's partial indexes, to their
    own migrations."""
    return not is_search_object(name or "", type_) and not is_postgresql_only_index(name or "", type_)


compress = Compress()
cors = CORS()
# Batch mode lets SQLite take ALTERs (by rebuilding the table: after each step, search gets back the
# triggers a rebuild drops); compare_type lets a test catch a column whose type drifted.
migrate = Migrate(
    directory=MIGRATIONS_DIRECTORY,
    render_as_batch=True,
    compare_type=True,
    render_item=render_migration_item,
    include_object=include_in_migrations,
    on_version_apply=restore_search_after_migration,
)
