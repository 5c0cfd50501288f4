"""The live spec: valid, complete enough to learn the API from, and identical to openapi.yaml."""

import re
from pathlib import Path

import pytest
import yaml
from openapi_spec_validator import validate

from api.cli import live_spec, spec_as_yaml
from api.collection.declaration import declared_collections
from api.web.routing import API_PREFIX, DOCS_ENDPOINT, SPEC_ENDPOINT

COMMITTED_SPEC = Path(__file__).resolve().parent.parent / "openapi.yaml"


@pytest.fixture
def spec(app):
    response = app.test_client().get("/api/v1/swagger.json")
    assert response.status_code == 200
    return response.get_json()


def test_spec_renders_and_is_valid_swagger_2(spec):
    assert "error" not in spec, spec  # Flask-RESTX's "Unable to render schema"
    assert spec["swagger"] == "2.0"
    validate(spec)


def test_committed_openapi_yaml_is_the_live_spec(app, spec):
    """Fails when the code changed and `flask --app wsgi export-openapi` was not run."""
    committed = yaml.safe_load(COMMITTED_SPEC.read_text(encoding="utf-8"))
    assert committed == yaml.safe_load(spec_as_yaml(spec))
    assert yaml.safe_load(spec_as_yaml(live_spec(app))) == committed


def _operations(spec):
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method != "parameters":
                yield path, method, item, operation


def _served_operations(app) -> set[tuple[str, str]]:
    """Every (path, method) the API serves, as the spec writes paths: what the spec must document."""
    served = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(API_PREFIX) or rule.endpoint.endswith((f".{DOCS_ENDPOINT}", f".{SPEC_ENDPOINT}")):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule.removeprefix(API_PREFIX)) or "/"
        served |= {(path, method.lower()) for method in rule.methods - {"HEAD", "OPTIONS"}}
    return served


def test_every_operation_has_a_summary_and_documented_responses(app, spec):
    documented = {(path, method) for path, method, _item, _operation in _operations(spec)}
    assert documented == _served_operations(app)
    for collection in declared_collections():
        assert (f"/{collection.name}", "get") in documented and (f"/{collection.name}/{{slug}}", "patch") in documented
    for path, method, _item, operation in _operations(spec):
        assert operation.get("summary"), f"{method} {path} has no summary"
        success = {"200", "201", "204"} & set(operation["responses"])
        assert len(success) == 1, f"{method} {path}"
        json_success = operation.get("produces", ["application/json"]) == ["application/json"]
        for status, response in operation["responses"].items():
            assert response["description"], f"{method} {path} {status}"
            if int(status) >= 400 or (status != "204" and json_success):
                assert "$ref" in response["schema"], f"{method} {path} {status}"


def test_every_parameter_is_described(spec):
    for path, method, item, operation in _operations(spec):
        for parameter in item.get("parameters", []) + operation.get("parameters", []):
            assert parameter.get("description"), f"{method} {path} {parameter['name']}"
    assert "X-Fields" not in str(spec)


def test_every_field_is_described(spec):
    for name, definition in spec["definitions"].items():
        for field, schema in definition.get("properties", {}).items():
            assert schema.get("description"), f"{name}.{field} has no description"


def test_response_models_carry_examples(spec):
    article = spec["definitions"]["ArticleDetail"]["properties"]
    assert article["slug"]["example"] == "massage-for-quadratus-lumborum"
    assert spec["definitions"]["StudioOut"]["properties"]["phone"]
    assert spec["definitions"]["Phone"]["properties"]["e164"]["example"] == "+18594213085"


def test_swagger_ui_is_served_with_its_assets(client):
    page = client.raw.get("/api/v1/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "swagger-ui" in html and "/api/v1/swagger.json" in html
    asset = client.raw.get("/swaggerui/swagger-ui-bundle.js")
    assert asset.status_code == 200
    asset.close()
