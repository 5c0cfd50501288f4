"""The live spec: valid OpenAPI 3.1, complete enough to learn the API from, and identical to openapi.yaml."""

import re
from pathlib import Path

import pytest
import yaml
from openapi_spec_validator import validate

from api.cli import live_spec, spec_as_yaml
from api.collection.declaration import declared_collections
from api.web.routing import API_PREFIX

COMMITTED_SPEC = Path(__file__).resolve().parent.parent / "openapi.yaml"


@pytest.fixture
def spec(app):
    response = app.test_client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    return response.get_json()


def test_spec_renders_and_is_valid_openapi_3_1(spec):
    assert spec["openapi"] == "3.1.0"
    validate(spec)  # openapi-spec-validator picks the 3.1 schema from the document's own version


def test_the_swagger_2_url_points_to_the_openapi_document(client):
    moved = client.raw.get("/api/v1/swagger.json")
    assert moved.status_code == 301
    assert moved.headers["Location"].endswith("/api/v1/openapi.json")


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
        if not hasattr(app.view_functions[rule.endpoint], "view_class"):
            continue  # not a Resource: the documentation itself (Swagger UI, its files, the document)
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
        for status, response in operation["responses"].items():
            assert response["description"], f"{method} {path} {status}"
            assert "X-Request-ID" in response["headers"], f"{method} {path} {status}"
            content = response.get("content", {})
            if int(status) >= 400:
                # Problems, and only problems, come as problem+json, each with its own example.
                assert list(content) == ["application/problem+json"], f"{method} {path} {status}"
                assert content["application/problem+json"]["example"]["status"] == int(status)
            elif status in ("204", "304"):
                assert not content, f"{method} {path} {status}"
            else:
                assert "application/problem+json" not in content, f"{method} {path} {status}"
                if "application/json" in content:
                    assert "$ref" in content["application/json"]["schema"], f"{method} {path} {status}"


def _resolved(spec, parameter):
    if "$ref" in parameter:
        return spec["components"]["parameters"][parameter["$ref"].rsplit("/", 1)[1]]
    return parameter


def test_every_parameter_is_described(spec):
    for path, method, item, operation in _operations(spec):
        for parameter in item.get("parameters", []) + operation.get("parameters", []):
            parameter = _resolved(spec, parameter)
            assert parameter.get("description"), f"{method} {path} {parameter['name']}"
    assert "X-Fields" not in str(spec)


def test_reads_document_revalidation_and_writes_their_precondition(spec):
    for path, method, _item, operation in _operations(spec):
        names = {_resolved(spec, parameter)["name"] for parameter in operation.get("parameters", [])}
        if method == "get":
            assert {"If-None-Match", "If-Modified-Since"} <= names and "304" in operation["responses"], path
        if "412" in operation["responses"]:
            assert "If-Match" in names, f"{method} {path}"


def test_every_field_is_described(spec):
    for name, definition in spec["components"]["schemas"].items():
        for field, schema in definition.get("properties", {}).items():
            assert schema.get("description"), f"{name}.{field} has no description"


def test_response_models_carry_examples_and_nullable_types(spec):
    schemas = spec["components"]["schemas"]
    article = schemas["ArticleDetail"]["properties"]
    assert article["slug"]["example"] == "massage-for-quadratus-lumborum"
    assert article["excerpt"]["type"] == ["string", "null"]
    assert schemas["StudioOut"]["properties"]["phone"]
    assert schemas["Phone"]["properties"]["e164"]["example"] == "+18594213085"


def test_patch_bodies_have_no_defaults(spec):
    """A client generated from the spec sends a default it was given: a PATCH model must have none
    (a PATCH that named one field once sent status: draft too, and unpublished the article)."""
    schemas = spec["components"]["schemas"]
    patches = [name for name in schemas if name.endswith("Patch")]
    assert {"ArticlePatch", "TopicPatch", "StudioPatch"} <= set(patches)
    for name in patches:
        for field, schema in schemas[name].get("properties", {}).items():
            assert "default" not in schema, f"{name}.{field}"
            assert "required" not in schemas[name], name


def test_keys_are_http_bearer_so_swagger_ui_takes_only_the_key(spec):
    assert spec["components"]["securitySchemes"]["bearer"]["type"] == "http"
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    writes = [operation for _path, method, _item, operation in _operations(spec) if method != "get"]
    assert writes and all(operation["security"] == [{"bearer": []}] for operation in writes)


def test_swagger_ui_5_is_served_with_its_assets_from_this_server(client):
    page = client.raw.get("/api/v1/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "swagger-ui-bundle.js" in html and '"/api/v1/openapi.json"' in html
    assert "https://" not in html  # nothing from a CDN
    asset = client.raw.get("/api/v1/docs/swagger-ui-bundle.js")
    assert asset.status_code == 200 and asset.mimetype == "text/javascript"
    asset.close()
    version = client.raw.get("/api/v1/docs/VERSION")
    assert version.get_data(as_text=True).startswith("v5.")
    version.close()


def test_fields_the_server_always_sends_are_required(spec):
    schemas = spec["components"]["schemas"]
    assert {"slug", "title", "excerpt", "body_html", "status", "updated_at"} <= set(
        schemas["ArticleDetail"]["required"]
    )
    assert "search" not in schemas["ArticleDetail"]["required"]  # only with q
    assert set(schemas["Problem"]["required"]) == {"type", "title", "status", "detail", "instance", "request_id"}
    assert set(schemas["ArticleList"]["required"]) == {"data", "meta", "links"}
    # A list's items: fields= asks for fewer, so none is promised.
    assert "required" not in schemas["ArticleSummary"]


def test_a_read_answers_every_required_field(client, spec):
    """What the spec promises is what a read sends (schemathesis checks every answer the same way)."""
    required = spec["components"]["schemas"]["ArticleDetail"]["required"]
    article = client.get_json("/api/v1/articles/massage-for-quadratus-lumborum").get_json()["data"]
    assert set(required) <= set(article)


def test_descriptions_render_as_written(spec):
    """Swagger UI renders descriptions as Markdown, where a bare <key> is an HTML tag and vanishes:
    anything in angle brackets is in a code span."""

    def texts(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("description", "summary") and isinstance(value, str):
                    yield value
                elif key != "example":
                    yield from texts(value)
        elif isinstance(node, list):
            for value in node:
                yield from texts(value)

    for text in texts(spec):
        assert not re.search(r"<[A-Za-z/]", re.sub(r"`[^`]*`", "", text)), text


VOLATILE = {"updated_at", "seo"}  # the time of the write, and what falls back to a field it names


def test_every_request_example_is_safe_to_send_as_it_is(client, spec, admin_key):
    """Swagger UI offers each write's example in "Try it out": sent as offered to the example item, a PUT
    writes it as seeded and a PATCH changes only the fields it names (neither renames nor unpublishes)."""
    tried = 0
    for path, method, _item, operation in _operations(spec):
        example = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("example")
        if method not in ("put", "patch") or example is None:
            continue
        values = {
            parameter["name"]: parameter["example"]
            for parameter in operation.get("parameters", [])
            if "example" in parameter
        }
        url = "/api/v1" + re.sub(r"\{(\w+)\}", lambda match, known=values: str(known[match.group(1)]), path)
        if path.startswith(("/webhooks/", "/media/")):
            # The seed registers no webhook and holds no image (the page's text is all it has): the example
            # names one that is not there, and changes nothing.
            client.write(method.upper(), url, admin_key, 404, json=example, headers={"If-Match": "*"})
            continue
        before = client.as_key(admin_key, url)
        answer = client.write(
            method.upper(), url, admin_key, 200, json=example, headers={"If-Match": before.headers["ETag"]}
        )
        old, new = before.get_json()["data"], answer.get_json()["data"]
        unchanged = set(old) - VOLATILE - (set(example) if method == "patch" else set())
        assert {name: new[name] for name in unchanged} == {name: old[name] for name in unchanged}, f"{method} {path}"
        assert new.get("status", "published") == old.get("status", "published"), f"{method} {path}"
        tried += 1
    assert tried >= 7  # PUT and PATCH of articles, topics and the studio, and PUT of the hours
