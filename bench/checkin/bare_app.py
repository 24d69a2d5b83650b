"""The baseline: a bare Flask endpoint that parses the same JSON body and answers JSON, no database."""
from flask import Flask, jsonify, request


def create_app() -> Flask:
    app = Flask("bare")

    @app.get("/")
    def index():
        return "ok"

    @app.post("/api/mp/v1/projects/<code>/<action>")
    def checkin(code: str, action: str):
        body = request.get_json(force=True)
        return jsonify({"action": action, "project": code, "lat": body["lat"], "lng": body["lng"]})

    return app
