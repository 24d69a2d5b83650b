"""The peer: WeRoBot's default app, as its documentation starts one — a handler per kind of message,
the session kept in its default storage (SQLite, a file in the working directory) — answering the
same scans and 时长 texts as /wechat. It runs under the same gunicorn settings from a bench-only
virtualenv (bench/callback/peer.py), so WeRoBot and its bottle never enter the project's own."""
import werobot

robot = werobot.WeRoBot(token="bench-token")


@robot.scan
def scan(message, session):
    session["team"] = message.key
    return "报到成功"


@robot.text
def text(message, session):
    session["asked"] = session.get("asked", 0) + 1
    return "你的服务时长：0 小时"


application = robot.wsgi
