"""Joins that SQLite must run as written, for the reads that stay fast at 100,000 articles.

SQLite plans without statistics (no ANALYZE has run on a new database), and two of its guesses
were ruinous at scale: for a search it walked every public article and asked the search index
about each one (26 s for a word in 13,000 of 100,000 articles), and when it did start from the
search index (or from a topic's articles) it read each hit's row to check that it is public,
and an article's status and times sit behind its bodies' overflow pages (2 s for that search;
29 ms for a topic of 6,000 articles). `InOrderJoin` is a plain JOIN everywhere else; on SQLite
it is a CROSS JOIN, which SQLite keeps in the order written, and it may name the index to look
the right-hand table up by (INDEXED BY): with `ix_articles_visibility`, whether an article is
public is read from the index alone. The search then takes 20 to 140 ms for a word in 13% to
99% of 100,000 articles.
"""

from typing import Any

from sqlalchemy import ColumnElement, FromClause
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.selectable import Join


class InOrderJoin(Join):
    """left JOIN right ON onclause, which SQLite runs left first, looking right up by `index`."""

    inherit_cache = True

    def __init__(self, left: FromClause, right: FromClause, onclause: ColumnElement[bool], index: str | None = None):
        super().__init__(left, right, onclause)
        self.index = index


@compiles(InOrderJoin, "sqlite")
def _compile_in_order(join: InOrderJoin, compiler: SQLCompiler, **kw: Any) -> str:
    kw["asfrom"] = True
    left = compiler.process(join.left, **kw)
    right = compiler.process(join.right, **kw)
    kw["asfrom"] = False
    indexed_by = f" INDEXED BY {join.index}" if join.index else ""
    assert join.onclause is not None, "an InOrderJoin always has its ON clause"
    return f"{left} CROSS JOIN {right}{indexed_by} ON {compiler.process(join.onclause, **kw)}"
