"""The console's gate: login form with CSRF, lockout message, safe redirect, logout, pages scoped."""
from tests.factories import make_account, make_tree
from tests.web import console_login, csrf_token


def test_login_form_csrf_and_redirects(app, session):
    tree = make_tree(session)
    make_account(session, tree.street, "donghuamen")
    client = app.test_client()
    assert client.get("/console/teams").headers["Location"].startswith("/console/login?next=/console/teams")
    page = client.get("/console/login")
    assert "团组织账号登录" in page.get_data(as_text=True)
    assert client.post("/console/login", data={"username": "donghuamen", "password": "abc12345"}).status_code == 400
    token = csrf_token(page)
    wrong = client.post("/console/login", data={"username": "donghuamen", "password": "nope1234", "csrf_token": token})
    assert wrong.status_code == 400 and "账号或密码错误" in wrong.get_data(as_text=True)
    ok = client.post("/console/login?next=//evil.example/x",
                     data={"username": "donghuamen", "password": "abc12345", "csrf_token": token})
    assert ok.status_code == 302 and ok.headers["Location"] == "/console/"
    home = client.get("/console/")
    assert "东华门街道团工委" in home.get_data(as_text=True) and "多福巷社区团组织" in home.get_data(as_text=True)
    client.post("/console/logout", data={"csrf_token": csrf_token(home)})
    assert client.get("/console/").status_code == 302


def test_lockout_is_shown(app, session):
    tree = make_tree(session)
    make_account(session, tree.community, "duofuxiang")
    client = app.test_client()
    token = csrf_token(client.get("/console/login"))
    for _ in range(5):
        last = client.post("/console/login", data={"username": "duofuxiang", "password": "bad12345", "csrf_token": token})
    assert last.status_code == 403 and "锁定" in last.get_data(as_text=True)


def test_team_list_is_the_sub_tree(app, session):
    tree = make_tree(session)
    make_account(session, tree.street, "donghuamen")
    body = console_login(app, "donghuamen").get("/console/teams").get_data(as_text=True)
    assert "多福巷社区青年志愿者服务队" in body and "韶九社区青年志愿者服务队" in body
    assert "葫芦垡村青年志愿者服务队" not in body and "共 3 支服务队" in body
