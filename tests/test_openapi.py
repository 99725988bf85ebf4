"""The OpenAPI document matches the real routes, both ways, for every route module."""

from __future__ import annotations

import re

from govern.web.api import route_modules
from govern.web.api.openapi import build_document

IGNORED_METHODS = {"HEAD", "OPTIONS"}


def _real_operations(app) -> set[tuple[str, str]]:
    ops = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1"):
            continue
        path = re.sub(r"<(?:[a-z_]+(?:\([^)]*\))?:)?([a-z_]+)>", r"{\1}", rule.rule)
        for method in rule.methods - IGNORED_METHODS:
            ops.add((path, method.lower()))
    return ops


def _documented(document) -> set[tuple[str, str]]:
    return {
        (path, method)
        for path, item in document["paths"].items()
        for method in item
        if method in {"get", "put", "post", "delete", "patch"}
    }


def test_every_route_is_documented_and_every_documented_route_exists(app, client):
    document = client.get("/api/v1/openapi.json").json
    real, documented = _real_operations(app), _documented(document)
    assert real - documented == set(), "routes missing from the OpenAPI document"
    assert documented - real == set(), "documented routes that do not exist"


def test_document_is_openapi_31_with_bearer_and_problem_json(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200  # public, no token
    doc = response.json
    assert doc["openapi"] == "3.1.0"
    assert doc["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    assert doc["security"] == [{"bearer": []}]
    problem = doc["components"]["responses"]["E422"]["content"]
    assert "application/problem+json" in problem
    secured = doc["paths"]["/api/v1/automations"]["get"]
    assert "401" in secured["responses"]
    operation_ids = [
        op["operationId"]
        for item in doc["paths"].values()
        for method, op in item.items()
        if method in {"get", "put", "post", "delete", "patch"}
    ]
    assert len(operation_ids) == len(set(operation_ids)), "operationIds must be unique"


def test_every_reference_resolves(client):
    doc = client.get("/api/v1/openapi.json").json

    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "$ref":
                    yield value
                else:
                    yield from walk(value)
        elif isinstance(node, list):
            for value in node:
                yield from walk(value)

    for reference in set(walk(doc)):
        assert reference.startswith("#/"), reference
        target = doc
        for part in reference[2:].split("/"):
            assert part in target, f"unresolved {reference}"
            target = target[part]


def test_fragments_are_well_formed():
    for module in route_modules():
        fragment = getattr(module, "OPENAPI", {})
        assert isinstance(fragment, dict), module.__name__
        assert set(fragment) <= {"paths", "schemas"}, module.__name__
        for path in fragment.get("paths", {}):
            assert path.startswith("/api/v1/"), f"{module.__name__}: {path}"
    assert build_document()["paths"]
