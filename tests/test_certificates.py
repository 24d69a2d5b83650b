"""志愿服务证明: issued from approved records of a period, as a PDF with a verification code and QR,
confirmed by the public /verify/<code> page; offered through the API and the phone pages."""
import datetime as dt
import io

import pytest
import sqlalchemy as sa
from PIL import Image
from pyzbar.pyzbar import decode

from models import Project, RecordStatus, ServiceRecord
from qr.certificate import CertificateData, _pages
from services import certificates, mp_sessions, wechat_users
from services.errors import Forbidden, Invalid, NotFound
from tests.factories import join, make_member, make_tree
from tests.web import csrf_token, mobile_login

UTC = dt.UTC


@pytest.fixture
def served(session):
    tree = make_tree(session)
    member = make_member(session, name="张伟")
    team = tree.team(session, tree.community)
    join(session, member, team)
    project = session.scalar(sa.select(Project).where(Project.team_id == team.id))
    for day, minutes, status in ((3, 120, RecordStatus.approved), (10, 90, RecordStatus.approved),
                                 (12, 600, RecordStatus.pending), (40, 60, RecordStatus.approved)):
        start = dt.datetime(2026, 1, 1, 1, tzinfo=UTC) + dt.timedelta(days=day)
        session.add(ServiceRecord(project_id=project.id, member_id=member.id, status=status, signin_at=start,
                                  signout_at=start + dt.timedelta(minutes=minutes), duration_minutes=minutes))
    session.commit()
    return tree, member


def test_issue_counts_approved_records_of_the_period(session, served):
    tree, member = served
    certificate = certificates.issue(session, member.id, dt.date(2026, 1, 1), dt.date(2026, 1, 31))
    assert (certificate.record_count, certificate.total_minutes) == (2, 210)
    assert certificate.organisations == "多福巷社区团组织" and certificate.code.startswith("ZM")
    assert [line["date"] for line in certificate.lines] == ["2026-01-04", "2026-01-11"]
    with pytest.raises(NotFound, match="没有已认证"):
        certificates.issue(session, member.id, dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    with pytest.raises(Invalid):
        certificates.issue(session, member.id, dt.date(2026, 2, 1), dt.date(2026, 1, 1))
    with pytest.raises(Invalid):
        certificates.issue(session, member.id, dt.date(2026, 1, 1), dt.date(2099, 1, 1))
    # An organisation above one of the member's teams may issue it; another sub-tree may not.
    assert certificates.issue(session, member.id, dt.date(2026, 1, 1), dt.date(2026, 3, 1),
                              actor_org_id=tree.street.id).record_count == 3
    with pytest.raises(Forbidden):
        certificates.issue(session, member.id, dt.date(2026, 1, 1), dt.date(2026, 3, 1), actor_org_id=tree.suburb.id)


def test_pdf_carries_the_code_and_a_readable_verification_qr(session, served, app):
    _, member = served
    certificate = certificates.issue(session, member.id, dt.date(2026, 1, 1), dt.date(2026, 3, 1))
    with app.test_request_context():
        pdf = certificates.pdf(session, certificate)
        url = certificates.verify_url(certificate)
    assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page\n") + pdf.count(b"/Type /Page ") >= 1
    lines = [{"date": "2026-01-04", "project": f"项目{i}", "organisation": "多福巷社区团组织", "minutes": 60}
             for i in range(60)]
    pages = _pages(CertificateData(name="张伟", id_number="1101**********0118", start=dt.date(2026, 1, 1),
                                   end=dt.date(2026, 3, 1), total_minutes=3600, organisations="多福巷社区团组织",
                                   lines=lines, code=certificate.code, verify_url=url, issued=dt.date(2026, 3, 2)))
    assert len(pages) == 3                                 # 22 rows, then 34 a page
    buffer = io.BytesIO()
    pages[-1].save(buffer, format="PNG")
    assert [s.data.decode() for s in decode(Image.open(buffer))] == [url]


def test_verify_page_api_and_phone_pages(app, session, served, sandbox):
    _, member = served
    token, _ = mp_sessions.create(session, openid="o_cert", unionid=None, member_id=member.id)
    api = app.test_client()
    auth = {"Authorization": f"Bearer {token}"}
    issued = api.post("/api/mp/v1/me/certificates", json={"start": "2026-01-01", "end": "2026-01-31"}, headers=auth)
    assert issued.status_code == 201, issued.get_json()
    answer = issued.get_json()
    assert (answer["hours"], answer["records"]) == (3.5, 2)
    pdf = api.get(answer["pdf_url"], headers=auth)
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    assert api.post("/api/mp/v1/me/certificates", json={"start": "2026-13-01", "end": "2026-01-31"},
                    headers=auth).status_code == 400

    page = app.test_client().get(f"/verify/{answer['code']}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "真实有效" in html and "张*" in html and "张伟" not in html
    assert "3.5 小时" in html and "110101" not in html
    missing = app.test_client().get("/verify/ZMNOSUCHCODE")
    assert missing.status_code == 404 and "未找到该证明编号" in missing.get_data(as_text=True)

    other = make_member(session)
    other_token, _ = mp_sessions.create(session, openid="o_cert2", unionid=None, member_id=other.id)
    assert api.get(answer["pdf_url"], headers={"Authorization": f"Bearer {other_token}"}).status_code == 404

    wechat_users.bind(session, member.id, "o_cert_phone")
    phone = app.test_client()
    mobile_login(phone, "o_cert_phone", "/m/certificate")
    form = phone.get("/m/certificate")
    assert form.status_code == 200
    refused = phone.post("/m/certificate", data={"csrf_token": csrf_token(form), "start": "2025-01-01",
                                                 "end": "2025-02-01"})
    assert refused.status_code == 400 and "没有已认证" in refused.get_data(as_text=True)
    made = phone.post("/m/certificate", data={"csrf_token": csrf_token(form), "start": "2026-01-01",
                                              "end": "2026-02-28"})
    assert made.status_code == 302 and made.headers["Location"].endswith(".pdf")
    download = phone.get(made.headers["Location"])
    assert download.status_code == 200 and download.data.startswith(b"%PDF")
