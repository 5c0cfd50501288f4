"""The API's documentation, served by the API itself: the OpenAPI 3.1 document and Swagger UI 5.

`/api/v1/openapi.json` is the document `api.openapi` writes (the same as the
committed `openapi.yaml`); `/api/v1/docs` is Swagger UI, whose files come from
the pinned flask-swagger-ui package and are served from this server (no CDN).
The Swagger 2.0 document Flask-RESTX used to serve at `/api/v1/swagger.json` is
gone: it could not say what the API does (nullable fields, headers, problem
bodies on errors only) and generators refused it. Its URL answers 301 to the
3.1 document, which every current tool reads.
"""

from pathlib import Path

import flask_swagger_ui
from flask import Blueprint, Response, current_app, json, redirect, render_template, send_from_directory, url_for
from flask_restx import Api
from werkzeug.wrappers import Response as WerkzeugResponse

from api.openapi import openapi_document
from api.web.routing import DOCS_ENDPOINT, SPEC_ENDPOINT

SWAGGER_UI_FILES = Path(flask_swagger_ui.__file__).parent / "dist"
_ASSETS_ENDPOINT = "docs_assets"


def register_docs(blueprint: Blueprint, api: Api) -> None:
    """Serve the document, Swagger UI and its files on the API's blueprint."""
    written: list[bytes] = []  # the document, built and serialized once per process on first request

    def spec() -> Response:
        if not written:
            written.append(json.dumps(openapi_document(api)).encode("utf-8"))
        return Response(written[0], mimetype="application/json")

    def docs() -> str:
        return render_template(
            "swagger-ui.html",
            title=api.title,
            spec_url=url_for(f"{blueprint.name}.{SPEC_ENDPOINT}"),
            assets=url_for(f"{blueprint.name}.{DOCS_ENDPOINT}"),
            doc_expansion=current_app.config["SWAGGER_UI_DOC_EXPANSION"],
        )

    def asset(filename: str) -> Response:
        return send_from_directory(SWAGGER_UI_FILES, filename)

    def moved() -> WerkzeugResponse:
        return redirect(url_for(f"{blueprint.name}.{SPEC_ENDPOINT}"), 301)

    blueprint.add_url_rule("/openapi.json", SPEC_ENDPOINT, spec)
    blueprint.add_url_rule("/docs", DOCS_ENDPOINT, docs)
    blueprint.add_url_rule("/docs/<path:filename>", _ASSETS_ENDPOINT, asset)
    blueprint.add_url_rule("/swagger.json", "swagger_json_moved", moved)
