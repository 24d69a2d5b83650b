"""Team posters end to end: who may download them, the QR inside read back with zbar and followed
to the team through both paths (WeChat scan via the sandbox, signed join link via the phone pages),
the group QR upload, and the batch command."""
import io
import zipfile
from urllib.parse import urlsplit

import pikepdf
import pytest
import sqlalchemy as sa
from PIL import Image
from pyzbar.pyzbar import decode

from models import Team, TeamMembership
from services.people import wechat_users
from tests.factories import join, make_account, make_member, make_tree
from tests.web import console_login, csrf_token, mobile_login
from tests.wechat.helpers import post


def _qr_texts(png: bytes) -> list[str]:
    return [symbol.data.decode() for symbol in decode(Image.open(io.BytesIO(png)))]


def _memberships(session, member_id) -> list[int]:
    session.expire_all()
    return list(session.scalars(sa.select(TeamMembership.team_id).where(
        TeamMembership.member_id == member_id, TeamMembership.left_at.is_(None))))


@pytest.fixture
def setup(session):
    tree = make_tree(session)
    make_account(session, tree.community, "duofuxiang")
    make_account(session, tree.street, "donghuamen")
    make_account(session, tree.suburb, "changyang")
    return tree


def test_only_the_team_and_its_superiors_may_download(app, session, setup):
    team = setup.team(session, setup.community)
    anonymous = app.test_client().get(f"/qr/teams/{team.id}/poster.png")
    assert anonymous.status_code == 302 and "/console/login" in anonymous.headers["Location"]
    for username in ("duofuxiang", "donghuamen"):
        response = console_login(app, username).get(f"/qr/teams/{team.id}/poster.png")
        assert response.status_code == 200 and response.mimetype == "image/png"
        assert "attachment" in response.headers["Content-Disposition"]
    other = console_login(app, "changyang")
    forbidden = other.get(f"/qr/teams/{team.id}/poster.pdf")
    assert forbidden.status_code == 403 and "只能管理本组织及下级组织" in forbidden.get_data(as_text=True)
    assert other.get("/qr/teams/999999/poster.png").status_code == 404
    pdf = console_login(app, "duofuxiang").get(f"/qr/teams/{team.id}/poster.pdf")
    assert pdf.status_code == 200 and len(pikepdf.open(io.BytesIO(pdf.data)).pages) == 1


def test_wechat_qr_is_created_once_and_its_scan_joins(app, session, setup, sandbox):
    team = setup.team(session, setup.community)
    client = console_login(app, "duofuxiang")
    png = client.get(f"/qr/teams/{team.id}/poster.png").data
    (url,) = _qr_texts(png)
    assert sandbox.scene_of_url(url) == f"team:{team.code}"
    session.expire_all()
    assert session.get(Team, team.id).wechat_qr_url == url
    assert _qr_texts(client.get(f"/qr/teams/{team.id}/poster.png").data) == [url]
    assert len(sandbox.calls_to("cgi-bin/qrcode/create")) == 1  # permanent QRs are scarce: created once

    member = make_member(session)
    wechat_users.bind(session, member.id, "o_poster_scan")
    scene = sandbox.scene_of_url(url)
    status, reply = post(app, "scan", "o_poster_scan", key=scene)
    assert status == 200 and "报到成功" in reply and team.name in reply
    status, reply = post(app, "scan", "o_poster_scan", key=scene)
    assert "无需重复报到" in reply
    assert _memberships(session, member.id) == [team.id]

    # A newcomer following the account from the poster joins once bound.
    post(app, "subscribe", "o_poster_new", key="qrscene_" + scene)
    newcomer = make_member(session)
    wechat_users.bind(session, newcomer.id, "o_poster_new")
    assert _memberships(session, newcomer.id) == [team.id]

    elsewhere = make_member(session)
    join(session, elsewhere, setup.team(session, setup.community2))
    wechat_users.bind(session, elsewhere.id, "o_poster_other")
    status, reply = post(app, "scan", "o_poster_other", key=scene)
    assert "请先退出" in reply
    assert _memberships(session, elsewhere.id) == [setup.team(session, setup.community2).id]


def test_join_link_poster_leads_to_the_same_team(app, session, setup, sandbox, monkeypatch):
    monkeypatch.setitem(app.config, "TEAM_QR_MODE", "link")
    team = setup.team(session, setup.community)
    (url,) = _qr_texts(console_login(app, "duofuxiang").get(f"/qr/teams/{team.id}/poster.png").data)
    path = urlsplit(url).path
    assert url.startswith(app.config["PUBLIC_BASE_URL"] + "/j/") and team.code in path
    assert not sandbox.calls_to("cgi-bin/qrcode/create")

    phone = app.test_client()
    first = phone.get(path)
    assert first.status_code == 302 and "/m/login" in first.headers["Location"]
    # Not bound yet: the team waits for the binding, as a scan before binding does.
    back = mobile_login(phone, "o_link_1", path)
    assert back.status_code == 302 and back.headers["Location"].endswith(path)
    page = phone.get(path)
    assert page.status_code == 200 and "请先绑定账号" in page.get_data(as_text=True)
    member = make_member(session)
    wechat_users.bind(session, member.id, "o_link_1")
    assert _memberships(session, member.id) == [team.id]

    page = phone.get(path)
    assert "无需重复报到" in page.get_data(as_text=True)

    other = make_member(session)
    wechat_users.bind(session, other.id, "o_link_2")
    phone2 = app.test_client()
    mobile_login(phone2, "o_link_2", path)
    page = phone2.get(path)
    assert team.name in page.get_data(as_text=True)
    assert phone2.post(path).status_code == 400  # no CSRF token
    assert _memberships(session, other.id) == []
    token = csrf_token(page)
    done = phone2.post(path, data={"csrf_token": token})
    assert done.status_code == 200 and "报到成功" in done.get_data(as_text=True)
    again = phone2.post(path, data={"csrf_token": token})
    assert "无需重复报到" in again.get_data(as_text=True)
    assert _memberships(session, other.id) == [team.id]

    refused = phone2.post(urlsplit(url).path.replace(team.code, setup.team(session, setup.community2).code),
                          data={"csrf_token": token})
    assert refused.status_code == 400 and "加入链接无效" in refused.get_data(as_text=True)


def test_join_link_refuses_a_second_community(app, session, setup, sandbox, monkeypatch):
    monkeypatch.setitem(app.config, "TEAM_QR_MODE", "link")
    team, team2 = setup.team(session, setup.community), setup.team(session, setup.community2)
    member = make_member(session)
    join(session, member, team2)
    wechat_users.bind(session, member.id, "o_link_3")
    with app.test_request_context():
        from services.organisations.team_qr import join_token
        path = "/j/" + join_token(team)
    phone = app.test_client()
    mobile_login(phone, "o_link_3", path)
    page = phone.get(path)
    refused = phone.post(path, data={"csrf_token": csrf_token(page)})
    assert refused.status_code == 409 and "请先退出" in refused.get_data(as_text=True)
    assert _memberships(session, member.id) == [team2.id]


def test_group_qr_upload_appears_on_the_poster(app, session, setup):
    team = setup.team(session, setup.community)
    client = console_login(app, "duofuxiang")
    page = client.get("/console/teams")
    assert page.status_code == 200 and team.name in page.get_data(as_text=True)
    token = csrf_token(page)
    bad = client.post(f"/console/teams/{team.id}/group-qr", data={
        "csrf_token": token, "image": (io.BytesIO(b"not an image"), "qr.png")}, follow_redirects=True)
    assert "无法识别该图片" in bad.get_data(as_text=True)
    from qr.poster import qr_image

    buffer = io.BytesIO()
    qr_image("https://weixin.qq.com/g/AQYAAAgroup", 500).convert("RGB").save(buffer, format="JPEG", quality=95)
    ok = client.post(f"/console/teams/{team.id}/group-qr", data={
        "csrf_token": token, "image": (io.BytesIO(buffer.getvalue()), "group.jpg")}, follow_redirects=True)
    assert "微信群二维码已更新" in ok.get_data(as_text=True)
    texts = _qr_texts(client.get(f"/qr/teams/{team.id}/poster.png").data)
    assert "https://weixin.qq.com/g/AQYAAAgroup" in texts and len(texts) == 2
    other = console_login(app, "changyang")
    assert other.post(f"/console/teams/{team.id}/group-qr", data={"csrf_token": csrf_token(
        other.get("/console/teams")), "remove": "1"}).status_code == 403


def test_batch_command_prints_the_sub_tree(app, session, setup, tmp_path):
    result = app.test_cli_runner().invoke(args=["qr", "posters", "--org", str(setup.street.id),
                                                "--out", str(tmp_path), "--jobs", "2"])
    assert result.exit_code == 0, result.output
    assert "完成：3 张海报" in result.output
    pngs = sorted(tmp_path.glob("*.png"))
    codes = {setup.team(session, org).code for org in (setup.street, setup.community, setup.community2)}
    assert {p.name.split("_")[1] for p in pngs} == codes
    for png in pngs:
        (url,) = _qr_texts(png.read_bytes())
        assert "/j/" in url
    with zipfile.ZipFile(tmp_path / "posters.zip") as archive:
        assert sorted(archive.namelist()) == [p.name for p in pngs]
    assert len(pikepdf.open(tmp_path / "posters.pdf").pages) == 3
    missing = app.test_cli_runner().invoke(args=["qr", "posters", "--org", "999999", "--out", str(tmp_path)])
    assert missing.exit_code != 0 and "团组织不存在" in missing.output


def test_batch_download_of_the_sub_tree_posters_from_the_console(app, session, setup, tmp_path, monkeypatch):
    """Issue 37.9: 批量下载海报 instead of a command line: the sub-tree's posters drawn in the background
    into one ZIP, a progress page, the download; the batch is the sub-tree's own."""
    monkeypatch.setitem(app.config, "REDIS_URL", None)  # drawn inline, as under `make run`
    monkeypatch.setitem(app.config, "POSTER_BATCH_DIR", str(tmp_path / "batches"))
    client = console_login(app, "donghuamen")
    teams_page = client.get("/console/teams").get_data(as_text=True)
    assert "flask --app" not in teams_page and "批量下载海报" in teams_page
    started = client.post("/console/teams/posters", data={"csrf_token": csrf_token(client.get("/console/teams"))})
    assert started.status_code == 302 and "/console/posters/" in started.headers["Location"]
    progress = client.get(started.headers["Location"]).get_data(as_text=True)
    assert 'data-status="done"' in progress
    link = progress.split('id="batch-download" href="')[1].split('"')[0]
    download = client.get(link)
    assert download.status_code == 200 and download.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(download.data))
    pngs = archive.namelist()
    street_teams = sum(1 for team in session.scalars(sa.select(Team)) if team.org.path.startswith(setup.street.path))
    assert len(pngs) == street_teams >= 2 and all(name.endswith(".png") for name in pngs)
    assert _qr_texts(archive.read(pngs[0]))                              # a real poster with its QR
    outsider = console_login(app, "changyang")
    assert outsider.get(started.headers["Location"]).status_code == 403
    assert outsider.get(link).status_code == 403
    assert client.get("/console/posters/not-a-batch").status_code == 404
