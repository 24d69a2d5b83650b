"""An organisation's people in the console (issue 36.1): each has their own login (phone + password), a
name and a role, instead of one password the whole office shares.

管理员 manages the organisation's people (invites, disables, changes roles, hands the admin role over);
协调员 runs teams, projects and members; 计时员 decides hours only; 只读 looks at dashboards and lists. The
shared account of old keeps every power (someone must invite the first admin) until the organisation's
first personal admin joins; then it retires (disabled, its logins ended). The superior organisation can
disable or enable a sub-organisation's people and give one a one-time way back in (a reset link).

A person joins through an invitation: a link and a short code, made by an admin, single use, a week,
kept only as hashes. Accepting it takes the person's phone (verified by an SMS code), name and password.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models import STAFF_ROLE_LABELS, OrgAccount, StaffInvitation, StaffRole, utcnow
from runtime.extensions import protector
from services.kernel.errors import Conflict, Forbidden, Invalid, NotFound
from services.kernel.passwords import hash_password, validate_password
from services.kernel.uow import audit, new_code, normalise_code, unit_of_work
from services.organisations import orgs
from services.people import auth_sessions, sms
from services.people.members import normalise_phone

INVITATION_DAYS = 7
ROLES_TO_INVITE = (StaffRole.admin, StaffRole.coordinator, StaffRole.timekeeper, StaffRole.viewer)

#: What each kind of action needs. Anything not listed for a role is refused with its name.
ABILITIES: dict[str, set[StaffRole]] = {
    "people": {StaffRole.shared, StaffRole.admin},
    "manage": {StaffRole.shared, StaffRole.admin, StaffRole.coordinator},
    "hours": {StaffRole.shared, StaffRole.admin, StaffRole.coordinator, StaffRole.timekeeper},
    "read": set(StaffRole),
}
ABILITY_LABELS = {"people": "管理本组织人员", "manage": "管理服务队、项目和团员", "hours": "审核时长", "read": "查看"}


def _role(role: str) -> StaffRole:
    """A role a person may be given (the shared account's is not one)."""
    try:
        wanted = StaffRole(role)
    except ValueError:
        wanted = None
    if wanted not in ROLES_TO_INVITE:
        raise Invalid("role", "请选择角色：管理员、协调员、计时员或只读")
    return wanted


def may(account: OrgAccount, ability: str) -> bool:
    return account.disabled_at is None and account.role in ABILITIES[ability]


def require(account: OrgAccount, ability: str) -> None:
    if not may(account, ability):
        raise Forbidden("role", f"你的角色（{STAFF_ROLE_LABELS[account.role]}）不能{ABILITY_LABELS[ability]}，"
                                "请联系本组织管理员")


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def people(session: Session, org_id: int) -> list[OrgAccount]:
    return list(session.scalars(sa.select(OrgAccount).where(OrgAccount.org_id == org_id)
                                .order_by(OrgAccount.disabled_at.is_not(None), OrgAccount.id)))


def open_invitations(session: Session, org_id: int) -> list[StaffInvitation]:
    return list(session.scalars(sa.select(StaffInvitation).where(
        StaffInvitation.org_id == org_id, StaffInvitation.used_at.is_(None), StaffInvitation.revoked_at.is_(None),
        StaffInvitation.expires_at > utcnow()).order_by(StaffInvitation.id)))


def has_admin(session: Session, org_id: int) -> bool:
    return session.scalar(sa.select(sa.func.count()).select_from(OrgAccount).where(
        OrgAccount.org_id == org_id, OrgAccount.role == StaffRole.admin, OrgAccount.disabled_at.is_(None))) > 0


def _issue(session: Session, *, org_id: int, purpose: str, role: StaffRole, name: str | None,
           account_id: int | None, created_by: int | None, flush: bool = True) -> tuple[StaffInvitation, str, str]:
    token, code = secrets.token_urlsafe(24), new_code(8)
    invitation = StaffInvitation(org_id=org_id, purpose=purpose, role=role, name=name, account_id=account_id,
                                 token_hash=_hash(token), code_hash=_hash(code), created_by=created_by,
                                 expires_at=utcnow() + dt.timedelta(days=INVITATION_DAYS))
    session.add(invitation)
    if flush:  # the id, for the audit row of a single invitation
        session.flush()
    return invitation, token, code


def invite(session: Session, actor: OrgAccount, *, name: str | None, role: str) -> tuple[StaffInvitation, str, str]:
    """An invitation to ``actor``'s organisation: (invitation, the link's token, the code), both shown
    once to the admin, who passes them on (WeChat, in person)."""
    return invite_to(session, actor, actor.org_id, name=name, role=role)


def invite_to(session: Session, actor: OrgAccount, org_id: int, *, name: str | None,
              role: str) -> tuple[StaffInvitation, str, str]:
    """The same for the actor's organisation or one below it (a street inviting the coordinator it
    designated for a community as that community's admin)."""
    require(actor, "people")
    wanted = _role(role)
    name = (name or "").strip()[:30] or None
    with unit_of_work(session):
        if org_id != actor.org_id:
            orgs.require_within(session, org_id, actor.org_id)
        invitation, token, code = _issue(session, org_id=org_id, purpose="join", role=wanted, name=name,
                                         account_id=None, created_by=actor.id)
        audit(session, ("account", actor.id), "staff.invited", ("org", org_id), role=wanted.value,
              invitation=invitation.id)
    return invitation, token, code


def invite_admins(session: Session, orgs_made: list[tuple[int, str | None]], *,
                  created_by: int | None) -> list[tuple[int, str, str]]:
    """批量生成社区服务队账号 (seed 000): an admin invitation for each organisation a tree import made
    (its id and contact's name); (org id, token, code) for the file that goes back to the importer. The
    caller has checked the importer's right."""
    issued = []
    with unit_of_work(session):
        for org_id, contact in orgs_made:
            _, token, code = _issue(session, org_id=org_id, purpose="join", role=StaffRole.admin, name=contact,
                                    account_id=None, created_by=created_by, flush=False)
            issued.append((org_id, token, code))
        if issued:
            audit(session, ("account", created_by), "staff.invited_in_bulk", ("org", None), count=len(issued))
    return issued


def revoke_invitation(session: Session, actor: OrgAccount, invitation_id: int) -> None:
    require(actor, "people")
    with unit_of_work(session):
        invitation = session.get(StaffInvitation, invitation_id)
        if invitation is None or invitation.org_id != actor.org_id:
            raise NotFound("invitation_not_found", "邀请不存在")
        invitation.revoked_at = invitation.revoked_at or utcnow()
        audit(session, ("account", actor.id), "staff.invitation_revoked", ("org", actor.org_id),
              invitation=invitation.id)


def find_invitation(session: Session, *, token: str | None = None, code: str | None = None,
                    lock: bool = False) -> StaffInvitation:
    """The invitation a link or a typed code names, if it can still be used."""
    if token:
        where = StaffInvitation.token_hash == _hash(token)
    elif code:
        where = StaffInvitation.code_hash == _hash(normalise_code(code).replace("-", "").replace(" ", ""))
    else:
        raise Invalid("invitation_missing", "请输入邀请码")
    query = sa.select(StaffInvitation).where(where)
    invitation = session.scalar(query.with_for_update() if lock else query)
    if invitation is None or invitation.revoked_at is not None:
        raise NotFound("invitation_invalid", "邀请链接或邀请码无效，请向本组织管理员重新索取")
    if invitation.used_at is not None:
        raise Conflict("invitation_used", "该邀请已被使用；如需登录，请用手机号和密码登录")
    if invitation.expires_at <= utcnow():
        raise Invalid("invitation_expired", "邀请已过期（7天），请向本组织管理员重新索取")
    return invitation


def accept(session: Session, *, token: str | None = None, code: str | None = None, name: str, phone: str,
           sms_code: str, password: str) -> OrgAccount:
    """The invited person's own account, or (a "reset" invitation) their new password. The form is
    checked before the SMS code is spent."""
    invitation = find_invitation(session, token=token, code=code)
    phone = normalise_phone(phone)
    validate_password(password)
    name = (name or "").strip()
    if invitation.purpose == "join" and not 2 <= len(name) <= 30:
        raise Invalid("name", "请填写姓名")
    phone_hash = protector.lookup_hash("phone", phone)
    holder = session.scalar(sa.select(OrgAccount).where(OrgAccount.phone_hash == phone_hash))
    if invitation.purpose == "join" and holder is not None:
        raise Conflict("phone_taken", "该手机号已有管理后台账号：请直接登录，或用“忘记密码”重置")
    if invitation.purpose == "reset" and (holder is None or holder.id != invitation.account_id):
        raise Invalid("phone_mismatch", "请填写该账号登记的手机号")
    sms.take_code(phone, sms_code, "staff")
    with unit_of_work(session):
        invitation = find_invitation(session, token=token, code=code, lock=True)
        if invitation.purpose == "reset":
            account = session.get(OrgAccount, invitation.account_id)
            account.password_hash, account.failed_logins, account.locked_until = hash_password(password), 0, None
            action = "staff.password_reset"
        else:
            account = OrgAccount(org_id=invitation.org_id, username="staff-" + secrets.token_hex(6), name=name,
                                 phone_enc=protector.encrypt(phone), phone_hash=phone_hash, role=invitation.role,
                                 password_hash=hash_password(password))
            session.add(account)
            session.flush()
            action = "staff.joined"
        invitation.used_at, invitation.used_by = utcnow(), account.id
        audit(session, ("account", account.id), action, ("org", invitation.org_id), invitation=invitation.id)
        if account.role == StaffRole.admin:
            retired = _retire_shared(session, invitation.org_id)
        else:
            retired = []
    for shared_id in retired:
        auth_sessions.revoke_all(session, account_id=shared_id)
    if invitation.purpose == "reset":
        auth_sessions.revoke_all(session, account_id=account.id)
    return account


def _retire_shared(session: Session, org_id: int) -> list[int]:
    """The organisation has a personal admin now: its shared account stops (the issue's rule)."""
    shared = session.scalars(sa.select(OrgAccount).where(
        OrgAccount.org_id == org_id, OrgAccount.role == StaffRole.shared, OrgAccount.disabled_at.is_(None))).all()
    for account in shared:
        account.disabled_at = utcnow()
        audit(session, ("system", None), "staff.shared_retired", ("org", org_id), account=account.id)
    return [account.id for account in shared]


def _colleague(session: Session, actor: OrgAccount, account_id: int) -> OrgAccount:
    account = session.get(OrgAccount, account_id, with_for_update=True)
    if account is None or account.org_id != actor.org_id:
        raise NotFound("person_not_found", "本组织没有这个人员")
    return account


def set_role(session: Session, actor: OrgAccount, account_id: int, role: str) -> OrgAccount:
    require(actor, "people")
    wanted = _role(role)
    if account_id == actor.id:
        raise Forbidden("own_role", "不能修改自己的角色；移交管理员请用“移交管理员”")
    with unit_of_work(session):
        account = _colleague(session, actor, account_id)
        if account.role == StaffRole.shared:
            raise Invalid("shared_role", "组织共用账号没有个人角色")
        before, account.role = account.role, wanted
        audit(session, ("account", actor.id), "staff.role_changed", ("account", account.id),
              before=before.value, after=wanted.value)
        retired = _retire_shared(session, actor.org_id) if wanted == StaffRole.admin else []
    for shared_id in retired:
        auth_sessions.revoke_all(session, account_id=shared_id)
    return account


def hand_over_admin(session: Session, actor: OrgAccount, account_id: int) -> OrgAccount:
    """The admin makes a colleague admin and becomes a coordinator (someone leaving the post)."""
    if actor.role != StaffRole.admin:
        raise Forbidden("not_admin", "只有管理员可以移交管理员角色")
    with unit_of_work(session):
        account = _colleague(session, actor, account_id)
        if account.id == actor.id or account.disabled_at is not None or account.role == StaffRole.shared:
            raise Invalid("hand_over_to", "请选择本组织一位在用的人员")
        me = session.get(OrgAccount, actor.id, with_for_update=True)
        account.role, me.role = StaffRole.admin, StaffRole.coordinator
        audit(session, ("account", actor.id), "staff.admin_handed_over", ("account", account.id))
    return account


def _reachable(session: Session, actor: OrgAccount, account_id: int) -> OrgAccount:
    """A person the actor may disable or help back in: a colleague (for the admin), or anyone of a
    sub-organisation (for the superior's people who may manage people)."""
    require(actor, "people")
    account = session.get(OrgAccount, account_id, with_for_update=True)
    if account is None:
        raise NotFound("person_not_found", "没有这个人员")
    if account.org_id != actor.org_id:
        orgs.require_within(session, account.org_id, actor.org_id)
    return account


def set_disabled(session: Session, actor: OrgAccount, account_id: int, disabled: bool) -> OrgAccount:
    with unit_of_work(session):
        account = _reachable(session, actor, account_id)
        if account.id == actor.id:
            raise Forbidden("own_account", "不能停用自己的账号")
        if disabled and account.role == StaffRole.admin and account.org_id == actor.org_id:
            raise Forbidden("last_admin", "不能停用本组织的管理员；请先移交管理员")
        account.disabled_at = (account.disabled_at or utcnow()) if disabled else None
        audit(session, ("account", actor.id), "staff.disabled" if disabled else "staff.enabled",
              ("account", account.id))
    if disabled:
        auth_sessions.revoke_all(session, account_id=account.id)
    return account


def reset_link(session: Session, actor: OrgAccount, account_id: int) -> tuple[StaffInvitation, str, str]:
    """A one-time way back in for a person who lost their password and phone access to SMS is not the
    problem (a superior's help): the link and code let them set a new password with a code to their phone."""
    with unit_of_work(session):
        account = _reachable(session, actor, account_id)
        if account.phone_hash is None:
            raise Invalid("shared_reset", "组织共用账号请用“重置密码”设置新密码")
        invitation, token, code = _issue(session, org_id=account.org_id, purpose="reset", role=account.role,
                                         name=account.name, account_id=account.id, created_by=actor.id)
        audit(session, ("account", actor.id), "staff.reset_issued", ("account", account.id))
    return invitation, token, code


def reset_by_sms(session: Session, phone: str, sms_code: str, password: str) -> OrgAccount:
    """忘记密码 for a person: a code to the phone they log in with."""
    phone = normalise_phone(phone)
    validate_password(password)
    account = session.scalar(sa.select(OrgAccount).where(OrgAccount.phone_hash == protector.lookup_hash("phone", phone)))
    sms.take_code(phone, sms_code, "staff_reset")
    if account is None or account.disabled_at is not None:  # a code is only ever sent to a live account's phone
        raise Invalid("sms_code_expired", "验证码已过期或未获取，请重新获取")
    with unit_of_work(session):
        account.password_hash, account.failed_logins, account.locked_until = hash_password(password), 0, None
        audit(session, ("account", account.id), "staff.password_reset", ("org", account.org_id))
    auth_sessions.revoke_all(session, account_id=account.id)
    return account


def live_account_by_phone(session: Session, phone: str) -> OrgAccount | None:
    try:
        phone_hash = protector.lookup_hash("phone", normalise_phone(phone))
    except Invalid:
        return None
    return session.scalar(sa.select(OrgAccount).where(OrgAccount.phone_hash == phone_hash,
                                                      OrgAccount.disabled_at.is_(None)))


def phone_of(account: OrgAccount) -> str | None:
    return protector.decrypt(account.phone_enc) if account.phone_enc else None
