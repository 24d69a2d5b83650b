"""Issue 37.3: the console's buttons with big effects ask first, naming the consequence and how many
people it reaches (发布 when it pushes, 推送给团员)."""
from __future__ import annotations

from services.volunteering import projects
from tests.factories import make_account, make_followers, make_project_input, make_tree
from tests.web import console_login


def test_publish_and_push_say_how_many_people_they_reach(app, session, monkeypatch):
    tree = make_tree(session)
    team = tree.team(session, tree.community)
    make_followers(session, team, 3, "o_reach_")
    make_account(session, tree.community, "duofuxiang")
    project = projects.create_project(session, tree.community.id, team.id, make_project_input())
    console = console_login(app, "duofuxiang")
    monkeypatch.setitem(app.config, "PUSH_ON_PUBLISH", True)
    draft = console.get(f"/console/projects/{project.id}").get_data(as_text=True)
    assert 'data-confirm="发布后将向 3 人推送该项目（模板消息），确定吗？"' in draft
    monkeypatch.setitem(app.config, "PUSH_ON_PUBLISH", False)
    assert 'data-confirm="发布后团员即可看到并报名，确定吗？"' in console.get(f"/console/projects/{project.id}").get_data(
        as_text=True)
    projects.publish_project(session, tree.community.id, project.id)
    published = console.get(f"/console/projects/{project.id}").get_data(as_text=True)
    assert 'data-confirm="将向 3 人推送该项目（模板消息；已收到的人不会再收到），确定吗？"' in published
