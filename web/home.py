"""The site's front door: where a person who opens the bare address finds the console and the phone pages."""
from __future__ import annotations

from flask import Flask, render_template_string

_INDEX = """<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>青春志愿</title>
<body style="font-family:sans-serif;max-width:40em;margin:2em auto">
<h1>青春志愿</h1><p>团员志愿者回社区报到、志愿项目签到签退与时长管理。</p>
<ul><li><a href="/console/login">/console/</a> 管理后台（团组织、服务队负责人）</li>
<li><a href="/m/">/m/</a> 团员手机页面（在微信中打开；开发环境经沙箱选择微信用户）</li>
<li><a href="/healthz">/healthz</a> 服务状态</li></ul></body></html>"""


def register_home(app: Flask) -> None:
    @app.get("/")
    def index():
        return render_template_string(_INDEX)
