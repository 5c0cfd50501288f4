"""The WSGI entry point: `app = create_app()`, for `flask --app wsgi` and gunicorn."""

from api import create_app

app = create_app()
