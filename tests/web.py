"""Driving the console and the phone pages the way a browser does: CSRF tokens from the page,
the console login form, and WeChat web authorisation through the sandbox."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

import requests

PASSWORD = "abc12345"


def csrf_token(response) -> str:
    html = response.get_data(as_text=True)
    match = (re.search(r'name="csrf_token" value="([^"]+)"', html)
             or re.search(r'<meta name="csrf-token" content="([^"]+)"', html))
    assert match, "page has no CSRF token"
    return match.group(1)


def console_login(app, username: str, password: str = PASSWORD):
    client = app.test_client()
    token = csrf_token(client.get("/console/login"))
    response = client.post("/console/login", data={"username": username, "password": password, "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def mobile_login(client, openid: str, next_path: str = "/m/"):
    """/m/login → the sandbox's authorize page (picking ``openid``) → /m/oauth back on the app."""
    start = client.get("/m/login", query_string={"next": next_path})
    assert start.status_code == 302
    authorize = requests.get(start.headers["Location"].split("#")[0], params={"openid": openid},
                             allow_redirects=False, timeout=5)
    assert authorize.status_code == 302, authorize.text
    back = urlsplit(authorize.headers["Location"])
    return client.get(f"{back.path}?{back.query}")
