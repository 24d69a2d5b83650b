"""The OpenAPI 3 document of /api/mp/v1, generated from the routes and the same pydantic models that
validate the requests: a view says what it takes and gives with ``@documented``; paths, methods and
path parameters come from Flask's URL map, so the document cannot list a route that does not exist.
"""
from __future__ import annotations

import re

from flask import Flask, current_app, jsonify
from pydantic import BaseModel

ERROR_STATUSES = {400: "请求有误", 401: "未登录或登录失效", 403: "无权操作", 404: "不存在", 409: "冲突",
                  413: "请求过大", 429: "操作过于频繁", 503: "微信服务暂不可用"}
_PARAM = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


def documented(summary: str, *, body: type[BaseModel] | None = None, query: dict | None = None,
               success: int = 200, public: bool = False, response: type[BaseModel] | None = None,
               media: str = "application/json", form: type[BaseModel] | None = None):
    """``media``: the success answer's type when it is not JSON (a PDF download); ``form``: a
    multipart/form-data body (an upload) instead of JSON."""
    def mark(view):
        view.openapi = {"summary": summary, "body": body, "query": query or {}, "success": success,
                        "public": public, "response": response, "media": media, "form": form}
        return view
    return mark


def _error_schema() -> dict:
    return {"type": "object", "required": ["error", "message"], "properties": {
        "error": {"type": "string"}, "message": {"type": "string"},
        "detail": {"type": "object"}, "fields": {"type": "array"}}}


def _component(components: dict, model: type[BaseModel]) -> dict:
    """Put ``model`` (and the models it uses) under components/schemas; a reference to it."""
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    for name, definition in schema.pop("$defs", {}).items():
        components["schemas"][name] = definition
    components["schemas"][model.__name__] = schema
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def build(app: Flask) -> dict:
    paths: dict = {}
    components: dict = {"schemas": {"Error": _error_schema()},
                        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}}
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("mp_api."):
            continue
        view = app.view_functions[rule.endpoint]
        info = getattr(view, "openapi", None)
        if info is None:
            continue
        path = _PARAM.sub(r"{\1}", rule.rule)
        params = [{"name": name, "in": "path", "required": True, "schema": {"type": "string", "maxLength": 64}}
                  for name in _PARAM.findall(rule.rule)]
        params += [{"name": name, "in": "query", "required": spec.get("required", False), "schema": spec["schema"]}
                   for name, spec in info["query"].items()]
        answer = _component(components, info["response"]) if info["response"] else {"type": "object"}
        if info["media"] != "application/json":
            answer = {"type": "string", "format": "binary"}
        responses = {str(info["success"]): {"description": "成功", "content": {info["media"]: {"schema": answer}}}}
        if info["success"] == 201:  # idempotent repeats answer 200
            responses["200"] = {"description": "已存在，未重复创建", "content": {
                "application/json": {"schema": answer}}}
        for status, text in ERROR_STATUSES.items():
            responses[str(status)] = {"description": text, "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
        operation = {"summary": info["summary"], "operationId": rule.endpoint.split(".", 1)[1],
                     "parameters": params, "responses": responses}
        if not info["public"]:
            operation["security"] = [{"bearer": []}]
        for kind, model in (("application/json", info["body"]), ("multipart/form-data", info["form"])):
            if model is not None:
                operation["requestBody"] = {"required": True, "content": {kind: {
                    "schema": _component(components, model)}}}
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            paths.setdefault(path, {})[method.lower()] = operation
    return {"openapi": "3.1.0", "info": {"title": "青春志愿 小程序接口", "version": "1"},
            "servers": [{"url": "/"}], "paths": paths, "components": components}


def register_openapi(app: Flask) -> None:
    @app.get("/api/openapi.json")
    def openapi_json():
        return jsonify(build(current_app))
