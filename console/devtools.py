"""/console/dev/simulator: the WeChat simulator with buttons, for development only (never registered
in production). It sends to this app's own /wechat in-process, so it works whatever PUBLIC_BASE_URL
says, and shows the signed (and, in safe mode, encrypted) exchange."""
from __future__ import annotations

import contextvars

from flask import Blueprint, current_app, render_template, request

from console.auth import login_required
from wechat import menu, simulator

# Its own blueprint, registered by the factory only outside production: a route added to the main
# console blueprint would stay on it for any later app built in the same process.
dev_bp = Blueprint("console_dev", __name__, url_prefix="/console/dev")

FORM_DEFAULTS = {"kind": "text", "openid": "o_demo_1", "key": "", "content": "帮助", "lat": "", "lng": ""}


def _send(query: dict, body: bytes) -> tuple[int, str]:
    # A fresh context: the callback gets its own app context and database session, as from WeChat.
    client = current_app.test_client()
    response = contextvars.Context().run(client.post, "/wechat", query_string=query, data=body)
    return response.status_code, response.get_data(as_text=True)


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except ValueError:
        return None


def _menu_keys() -> list[tuple[str, str]]:
    keys = []
    for button in menu.load(current_app.config["PUBLIC_BASE_URL"])["button"]:
        for item in [button, *button.get("sub_button", [])]:
            if item.get("type") == "click":
                keys.append((item["key"], item["name"]))
    return keys


@dev_bp.route("/simulator", methods=["GET", "POST"])
@login_required
def simulator_page():
    form = {**FORM_DEFAULTS, **{k: v for k, v in request.form.items() if k in FORM_DEFAULTS}}
    exchange, error = None, None
    if request.method == "POST":
        try:
            exchange = simulator.simulate(
                current_app.config, form["kind"], form["openid"].strip() or "o_demo_1", _send,
                key=form["key"].strip() or None, content=form["content"] if form["kind"] == "text" else None,
                lat=_float(form["lat"]), lng=_float(form["lng"]), aes=bool(request.form.get("aes")))
        except ValueError as exc:
            error = str(exc)
    return render_template("console/simulator.html", form=form, kinds=simulator.KINDS, exchange=exchange,
                           error=error, menu_keys=_menu_keys(), aes=bool(request.form.get("aes")))
