"""marshmallow schemas: the single source of truth for input, output and the spec.

Every schema here is fed to apispec (see `api/spec.py`), so a field's
`metadata` (description, example) is what Swagger UI shows for it.
"""
