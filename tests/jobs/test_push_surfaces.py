"""The console's push button and progress, and the ``flask push`` commands."""
from __future__ import annotations

import pytest

from services.volunteering import projects
from tests.factories import join, make_account, make_followers, make_member, make_project_input, make_tree
from tests.web import console_login, csrf_token


@pytest.fixture
def published(session, app, sandbox, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", None)  # inline: the job runs within the request
    tree = make_tree(session)
    team = tree.team(session, tree.community)
    make_followers(session, team, 3, "o_console_")
    join(session, make_member(session), team)  # not bound to WeChat
    session.commit()
    sandbox.unfollowed.add("o_console_2")
    project = projects.create_project(session, tree.community.id, team.id, make_project_input(title="敬老助餐"))
    make_account(session, tree.community, "duofu")
    make_account(session, tree.community2, "shaojiu")
    return tree, project


def test_console_pushes_and_shows_progress(app, session, published, sandbox):
    tree, project = published
    client = console_login(app, "duofu")
    page = client.get(f"/console/projects/{project.id}")
    assert page.status_code == 200 and "尚未推送" in page.get_data(as_text=True)
    token = csrf_token(page)
    assert client.post(f"/console/projects/{project.id}/push", data={"csrf_token": token}).status_code == 302
    assert "只有已发布" in client.get(f"/console/projects/{project.id}").get_data(as_text=True)
    client.post(f"/console/projects/{project.id}/publish", data={"csrf_token": token})
    client.post(f"/console/projects/{project.id}/push", data={"csrf_token": token})
    html = client.get(f"/console/projects/{project.id}").get_data(as_text=True)
    assert "已开始推送给团员" in html and "已完成" in html
    assert '<td data-status="sent">2</td>' in html and '<td data-status="failed">1</td>' in html
    assert "对方未关注公众号" in html and "1 名服务队成员未绑定微信" in html
    assert sorted(sandbox.sent_to()) == ["o_console_0", "o_console_1"]
    # Without the form's token nothing happens; another community's account may not even look.
    assert client.post(f"/console/projects/{project.id}/push").status_code == 400
    other = console_login(app, "shaojiu")
    assert other.get(f"/console/projects/{project.id}").status_code == 403
    assert other.post(f"/console/projects/{project.id}/push", data={"csrf_token": token}).status_code in (400, 403)
    assert len(sandbox.sent_to()) == 2


def test_cli_push_and_status(app, session, published, sandbox):
    tree, project = published
    runner = app.test_cli_runner()
    result = runner.invoke(args=["push", "project", project.code])
    assert result.exit_code == 1 and "只有已发布" in result.output
    projects.publish_project(session, tree.community.id, project.id)
    result = runner.invoke(args=["push", "project", project.code])
    assert result.exit_code == 0, result.output
    assert "共 3 人" in result.output and "已发送 2" in result.output and "失败 1" in result.output
    status = runner.invoke(args=["push", "status", str(project.id)])
    assert "对方未关注公众号" in status.output and "未绑定微信" in status.output
    assert runner.invoke(args=["push", "status", "NOSUCH"]).exit_code == 1
    assert "没有需要继续的推送" in runner.invoke(args=["push", "resume"]).output
    assert "REDIS_URL" in runner.invoke(args=["jobs", "worker"]).output
