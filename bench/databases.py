"""The corpus databases the benchmark serves, each built once and kept in bench/.data: an SQLite
file, and a PostgreSQL cluster of the benchmark's own (started on a free loopback port for the
run, stopped after it; the machine's shared server is never touched)."""

import shutil

from flask_migrate import upgrade
from sqlalchemy import text

from api import create_app
from api.collection.indexed_search import keep_search_index_up
from api.collection.stored import render_stale
from bench import DATA, ROOT
from bench.corpus import build_corpus
from models import db
from models.content_state import keep_schedule
from tests.servers import PrivatePostgres, postgres_binaries

CORPUS_VERSION = 6  # bump when bench/corpus.py changes what it writes


def search_folder(url: str) -> str:
    """The search index of an SQLite corpus, beside its file (a PostgreSQL corpus's is beside its
    cluster's folder: `PostgresCorpus.search_folder`, since its URL names a port that changes)."""
    return url.removeprefix("sqlite:///") + ".search-index"


def migrate(url: str, search_index_folder: str) -> None:
    """Bring a corpus database to the code's schema (a kept corpus may predate a migration), and have its
    state row know the publication schedule (as any write through the app would), every article its
    stored detail, and its search index every article (as the worker would)."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SEARCH_INDEX_FOLDER": search_index_folder})
    with app.app_context():
        upgrade()
        with db.engine.begin() as connection:
            keep_schedule(connection)
        render_stale()  # what the worker would (none once rendered)
        keep_search_index_up()
        db.session.remove()
        db.engine.dispose()


def _build(url: str, articles: int) -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        build_corpus(articles)
        if db.engine.dialect.name == "postgresql":
            # What autovacuum would do soon after a bulk load: the planner's statistics, the visibility map.
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.execute(text("VACUUM ANALYZE"))
        db.session.remove()  # every connection closed, so that SQLite folds its WAL into the file it renames
        db.engine.dispose()


def sqlite_corpus(articles: int) -> str:
    """The URL of the SQLite corpus of this size, built first if it is not there (about 70 s at 100,000)."""
    path = DATA / f"corpus-{articles}-v{CORPUS_VERSION}.sqlite3"
    if not path.exists():
        DATA.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".partial")
        partial.unlink(missing_ok=True)
        print(f"== building a corpus of {articles:,} articles in {path.relative_to(ROOT)}", flush=True)
        _build(f"sqlite:///{partial}", articles)
        partial.rename(path)
    url = f"sqlite:///{path}"
    migrate(url, search_folder(url))
    return url


# Settings a small production server would have (the defaults' 128 MB of shared buffers would not
# hold the corpus); fsync is off (PrivatePostgres) only because the corpus can be rebuilt.
CORPUS_SETTINGS = "-c shared_buffers=1GB -c effective_cache_size=4GB -c work_mem=16MB"


class PostgresCorpus(PrivatePostgres):
    """A PostgreSQL cluster in bench/.data holding the corpus of one size (about 3 minutes to build
    at 100,000 articles), running while the benchmark uses it."""

    def __init__(self, articles: int):
        if postgres_binaries() is None:
            raise RuntimeError("PostgreSQL's server binaries are not installed (Debian: postgresql-15)")
        directory = DATA / f"postgresql-{articles}-v{CORPUS_VERSION}"
        built = directory / "built"
        if not built.exists():
            shutil.rmtree(directory, ignore_errors=True)
        super().__init__(str(directory), CORPUS_SETTINGS)
        self.start()
        if not built.exists():
            print(f"== building a corpus of {articles:,} articles in {directory.relative_to(ROOT)}", flush=True)
            _build(self.url, articles)
            built.touch()
        self.search_folder = str(directory) + ".search-index"
        migrate(self.url, self.search_folder)
