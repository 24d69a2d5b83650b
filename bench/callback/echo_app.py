"""The baseline: a minimal wechatpy handler (verify signature, parse, reply) with no database."""
from flask import Flask, Response, request
from wechatpy import parse_message
from wechatpy.replies import TextReply
from wechatpy.utils import check_signature

TOKEN = "bench-token"


def create_app() -> Flask:
    app = Flask("echo")

    @app.post("/wechat")
    def echo():
        check_signature(TOKEN, request.args["signature"], request.args["timestamp"], request.args["nonce"])
        message = parse_message(request.get_data())
        return Response(TextReply(message=message, content="echo").render(), mimetype="application/xml")

    return app
