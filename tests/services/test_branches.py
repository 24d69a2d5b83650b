import pytest
import sqlalchemy as sa

from models import ApplicationStatus, AuditEntry
from services.kernel.errors import Conflict, Forbidden, Invalid
from services.organisations import orgs
from services.people import branches
from tests.factories import make_member, make_tree


def test_join_then_transfer_with_the_branch_deciding(session):
    tree = make_tree(session)
    member = make_member(session)
    application = branches.apply(session, member.id, tree.branch.id)
    assert branches.apply(session, member.id, tree.branch.id).id == application.id  # asked twice: one request
    with pytest.raises(Forbidden):
        branches.decide(session, tree.district.id, application.id, accept=True)
    branches.decide(session, tree.branch.id, application.id, accept=True)
    assert member.branch_id == tree.branch.id
    with pytest.raises(Conflict, match="已处理"):
        branches.decide(session, tree.branch.id, application.id, accept=False)
    transfer = branches.apply(session, member.id, tree.branch2.id)
    assert transfer.is_transfer and transfer.from_branch_id == tree.branch.id
    with pytest.raises(Conflict, match="等待审核"):
        other = orgs.create_organization(session, tree.dept.id, "第二支部", "branch")
        branches.apply(session, member.id, other.id)
    branches.decide(session, tree.city.id, transfer.id, accept=True)  # a superior may decide too
    assert member.branch_id == tree.branch2.id
    actions = set(session.scalars(sa.select(AuditEntry.action)))
    assert {"branch.apply", "branch.accept"} <= actions


def test_rejection_keeps_the_member_where_they_were(session):
    tree = make_tree(session)
    member = make_member(session, branch=tree.branch)
    application = branches.apply(session, member.id, tree.branch2.id)
    branches.decide(session, tree.branch2.id, application.id, accept=False, reason="非本单位人员")
    assert application.status == ApplicationStatus.rejected and member.branch_id == tree.branch.id
    with pytest.raises(Conflict, match="已在"):
        branches.apply(session, member.id, tree.branch.id)
    with pytest.raises(Invalid, match="团支部"):
        branches.apply(session, member.id, tree.dept.id)


def test_withdraw(session):
    tree = make_tree(session)
    member = make_member(session)
    branches.apply(session, member.id, tree.branch.id)
    branches.withdraw(session, member.id)
    assert branches.pending_application(session, member.id) is None
    assert branches.apply(session, member.id, tree.branch2.id).branch_id == tree.branch2.id
