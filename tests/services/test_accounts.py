"""Console login: five wrong passwords lock the account for 15 minutes, on the account row."""
import datetime as dt

import pytest

from models import OrgAccount, utcnow
from services.kernel.errors import Forbidden, Invalid
from services.people import accounts
from tests.factories import make_account, make_tree


def test_login_and_lockout(session):
    tree = make_tree(session)
    account = make_account(session, tree.street, "donghuamen")
    assert accounts.authenticate(session, "DongHuaMen", "abc12345").id == account.id  # case-insensitive
    with pytest.raises(Invalid, match="账号或密码错误"):
        accounts.authenticate(session, "nobody_here", "abc12345")
    now = utcnow()
    for _ in range(4):
        with pytest.raises(Invalid) as err:
            accounts.authenticate(session, "donghuamen", "wrong-pass", now=now)
        assert err.value.detail == {}  # the answer says nothing an unknown username would not (issue 39.8)
    with pytest.raises(Forbidden, match="15分钟"):
        accounts.authenticate(session, "donghuamen", "wrong-pass", now=now)
    with pytest.raises(Forbidden, match="锁定"):  # even the right password, while locked
        accounts.authenticate(session, "donghuamen", "abc12345", now=now + dt.timedelta(minutes=14))
    session.expire_all()
    assert session.get(OrgAccount, account.id).locked_until is not None
    later = accounts.authenticate(session, "donghuamen", "abc12345", now=now + dt.timedelta(minutes=16))
    assert later.locked_until is None and later.failed_logins == 0 and later.last_login_at is not None
