"""志愿服务证明: issued from approved records of a period, as a PDF with a verification code and QR,
confirmed by the public /verify/<code> page; offered through the API and the phone pages."""
import datetime as dt

import pytest
import sqlalchemy as sa
from PIL import Image
from pyzbar.pyzbar import decode

from models import Project, RecordStatus, ServiceRecord
from qr.certificate import CertificateData, render_pdf
from runtime.extensions import protector
from runtime.privacy import mask_id_number
from services.kernel.errors import Forbidden, Invalid, NotFound
from services.people import mp_sessions, wechat_users
from services.volunteering import certificates
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


def _text_and_last_page(pdf: bytes) -> tuple[list[str], Image.Image]:
    """Every page's text layer, and the last page rendered at 200 dpi (as a phone photographs paper)."""
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    texts = [page.get_textpage().get_text_range() for page in document]
    image = document[len(document) - 1].render(scale=200 / 72).to_pil()
    document.close()
    return texts, image


def test_pdf_is_text_with_a_readable_verification_qr(session, served, app):
    _, member = served
    certificate = certificates.issue(session, member.id, dt.date(2026, 1, 1), dt.date(2026, 3, 1))
    with app.test_request_context():
        pdf = certificates.pdf(session, certificate)
        url = certificates.verify_url(certificate)
    texts, last = _text_and_last_page(pdf)
    assert len(texts) == 1
    flat = "".join(texts[0].split())  # lines wrap where the layout wants
    # Real text: the name (the person's own paper), the masked ID, the cut total, the heading whole.
    assert "兹证明张伟" in flat and "时长（小时）" in flat and "累计4.5小时" in flat and certificate.code in flat
    number = protector.decrypt(member.id_number_enc)
    assert f"身份证号{mask_id_number(number)}" in flat and number not in flat
    assert [s.data.decode() for s in decode(last)] == [url]
    # 60 records with long names run over pages: the heading repeats, the QR closes the last page.
    lines = [{"date": "2026-01-04", "project": f"社区垃圾分类宣传及楼道清理志愿服务第{i}期", "organisation":
              "东城区东华门街道多福巷社区团组织", "hours": "1.0"} for i in range(60)]
    long = render_pdf(CertificateData(name="张伟", id_number="1101**********0118", start=dt.date(2026, 1, 1),
                                      end=dt.date(2026, 3, 1), total_hours="60.0", organisations="多福巷社区团组织",
                                      lines=lines, code=certificate.code, verify_url=url, issued=dt.date(2026, 3, 2)))
    texts, last = _text_and_last_page(long)
    assert len(texts) >= 3 and all("时长（小时）" in text for text in texts if "第" in text.split("期")[0])
    assert all(f"第{i}期" in "".join("".join(texts).split()) for i in (0, 59))
    assert sum(text.count("2026-01-04") for text in texts) == 60   # each row's date on one line (issue 37.10)
    assert [s.data.decode() for s in decode(last)] == [url]


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
