"""Where media files' bytes are kept: a folder of the instance, or the database every instance shares.

Files are content-addressed (a key is the SHA-256 of the bytes and their
extension), so a key's bytes never change: a store writes a key once, and
identical uploads share it. `FolderStore` is the embedded default (beside the
SQLite database); `DatabaseStore` keeps the bytes in the `media_blobs` table,
so that several instances on PostgreSQL see every file whichever instance
took the upload, with no other server to run. MEDIA_STORAGE chooses.
"""

import contextlib
import hashlib
import os
import tempfile
from pathlib import Path
from typing import Optional, Protocol

from sqlalchemy import LargeBinary, String, delete, select
from sqlalchemy.orm import Mapped, mapped_column

from models import Model, db


def content_key(data: bytes, extension: str) -> str:
    """The key of these bytes: their SHA-256 and their extension."""
    return f"{hashlib.sha256(data).hexdigest()}.{extension}"


class BlobStore(Protocol):
    def put(self, key: str, data: bytes) -> None: ...

    def get(self, key: str) -> Optional[bytes]: ...

    def delete(self, key: str) -> None: ...


class Blob(Model):
    __tablename__ = "media_blobs"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    content: Mapped[bytes] = mapped_column(LargeBinary)


class DatabaseStore:
    """Bytes in the database, in the session's own transaction: a write that rolls back stores nothing."""

    def put(self, key: str, data: bytes) -> None:
        if db.session.get(Blob, key) is None:
            db.session.add(Blob(key=key, content=data))

    def get(self, key: str) -> Optional[bytes]:
        content: Optional[bytes] = db.session.scalar(select(Blob.content).where(Blob.key == key))
        return content

    def delete(self, key: str) -> None:
        db.session.execute(delete(Blob).where(Blob.key == key))


class FolderStore:
    """Bytes in files under a folder (`ab/abcdef….jpg`), each written whole or not at all."""

    def __init__(self, root: Path):
        self.root = root

    def _path(self, key: str) -> Path:
        if not key or "/" in key or "\\" in key or key.startswith("."):
            raise ValueError("not a content key")
        return self.root / key[:2] / key

    def put(self, key: str, data: bytes) -> None:
        path = self._path(key)
        if path.exists():
            return  # the same key is the same bytes
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written beside it, then renamed into place: a reader never sees half a file.
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def get(self, key: str) -> Optional[bytes]:
        try:
            return self._path(key).read_bytes()
        except (FileNotFoundError, ValueError):
            return None

    def delete(self, key: str) -> None:
        with contextlib.suppress(ValueError):
            self._path(key).unlink(missing_ok=True)
