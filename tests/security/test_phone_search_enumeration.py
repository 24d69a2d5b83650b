"""Issue 39.4: a search by full phone matched by lookup hash, so trying the 10,000 numbers a mask hides
(138****5678) at 20 a second unmasked a member's phone in minutes. Phone searches are now ten an hour
per account, each one in 访问记录 with the number masked; names and 团员编号 search as before."""
from __future__ import annotations

import sqlalchemy as sa

from models import AuditEntry
from runtime.extensions import protector
from services.reporting import access_log
from tests.factories import make_account, make_member, make_tree
from tests.web import console_login


def test_trying_the_hidden_digits_is_starved_and_recorded(app, session):
    tree = make_tree(session)
    make_account(session, tree.city, "beijing")
    member = make_member(session, branch=tree.branch, name="欧阳娜娜")
    phone = protector.decrypt(member.phone_enc)
    city = console_login(app, "beijing")
    guesses = [phone[:7] + f"{n:04d}" for n in range(14) if phone[:7] + f"{n:04d}" != phone]
    guesses.insert(12, phone)
    found = []
    for guess in guesses:
        page = city.get("/console/members", query_string={"q": guess})
        found.append((page.status_code, "欧阳娜娜" in page.get_data(as_text=True)))
    assert [status for status, _ in found] == [200] * 10 + [429] * (len(guesses) - 10)
    assert not any(hit for _, hit in found)  # the right number came after the hour's ten
    assert city.get("/console/members", query_string={"q": "欧阳"}).status_code == 200  # names still search
    recorded = session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "member.phone_search")).all()
    assert len(recorded) == access_log.PHONE_SEARCHES_PER_HOUR
    assert all(phone not in str(r.detail) and "****" in r.detail["title"] for r in recorded)
    log = city.get("/console/access-log").get_data(as_text=True)
    assert "按手机号查找团员" in log and phone not in log
