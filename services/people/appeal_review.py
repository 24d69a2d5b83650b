"""Reviewing an identity appeal (身份认证审核) so that it hands an account to its real owner, and never to
someone who appealed for a victim's ID number with their own genuine photo and name (issue 39.1).

The reviewer sees the number claimed beside the photo, with the account's current holder (name, masked
phone, registration date), and accepts only by confirming that the number and the name on the photo are
the claimed number and the appellant's name. An appellant's name unlike the account's stored name is
flagged: one reviewer's acceptance is recorded, and a second reviewer (another console account) must
accept too; nothing is overwritten silently. An accepted appeal waits HANDOVER_WAIT (3 days): the holder is
told at once by WeChat and SMS and may object on the phone page or in the mini-program, which stops the
handover and sends the appeal back to the reviewers. Only then does the periodic job hand the account
over, end the holder's logins and tell both.
"""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models import ApplicationStatus, IdentityAppeal, Member, Organization, OrgKind, utcnow
from runtime.extensions import protector
from runtime.privacy import mask_phone
from services.kernel import text_bounds
from services.kernel.beijing_time import BEIJING, month_day_time
from services.kernel.errors import Conflict, Forbidden, Invalid, NotFound
from services.kernel.uow import audit, unit_of_work
from services.organisations import orgs
from services.people import appeals, auth_sessions

logger = logging.getLogger(__name__)

HANDOVER_WAIT = dt.timedelta(days=3)
REVIEWER_KINDS = (OrgKind.city, OrgKind.district)


def holder(session: Session, appeal: IdentityAppeal) -> Member | None:
    """The member whose account holds the claimed ID number now."""
    return session.scalar(sa.select(Member).where(Member.id_number_hash == appeal.id_number_hash))


def _require_reviewer(session: Session, actor_org_id: int, appeal: IdentityAppeal) -> None:
    """The city committee reviews every appeal; a district committee those whose ID is held by a member
    of its sub-tree."""
    actor = orgs.get_org(session, actor_org_id)
    if actor.kind == OrgKind.city:
        return
    current = holder(session, appeal)
    in_subtree = current is not None and current.branch_id is not None and orgs.is_within(
        session, current.branch_id, actor.id)
    if actor.kind in REVIEWER_KINDS and in_subtree:
        return
    raise Forbidden("not_reviewer", "身份认证由团市委、团区委审核")


def pending_for(session: Session, actor_org_id: int) -> list[IdentityAppeal]:
    actor = orgs.get_org(session, actor_org_id)
    if actor.kind not in REVIEWER_KINDS:
        raise Forbidden("not_reviewer", "身份认证由团市委、团区委审核")
    query = sa.select(IdentityAppeal).where(IdentityAppeal.status == ApplicationStatus.pending)
    if actor.kind != OrgKind.city:
        query = query.where(IdentityAppeal.id_number_hash.in_(
            sa.select(Member.id_number_hash).join(Organization, Member.branch_id == Organization.id)
            .where(orgs.subtree_filter(actor))))
    return list(session.scalars(query.order_by(IdentityAppeal.created_at).limit(200)))


def get_for_reviewer(session: Session, actor_org_id: int, appeal_id: int) -> IdentityAppeal:
    appeal = session.get(IdentityAppeal, appeal_id)
    if appeal is None:
        raise NotFound("appeal_not_found", "身份认证申请不存在")
    _require_reviewer(session, actor_org_id, appeal)
    return appeal


def photo(session: Session, actor_org_id: int, appeal_id: int) -> bytes:
    """The photo, for a reviewer only; every look is recorded (who, whose, when)."""
    appeal = get_for_reviewer(session, actor_org_id, appeal_id)
    if appeal.photo_path is None:
        raise NotFound("photo_deleted", "照片已按保存期限删除")
    with unit_of_work(session):
        audit(session, ("org", actor_org_id), "identity_appeal.photo_viewed", ("identity_appeal", appeal.id))
    return protector.decrypt_bytes((appeals.folder() / appeal.photo_path).read_bytes())


@dataclass(frozen=True)
class Review:
    """What the reviewer compares with the photo."""

    appeal: IdentityAppeal
    claimed_id: str          # in full: the reviewer checks it against the number on the photo
    appellant_phone: str     # masked
    holder_name: str | None
    holder_phone: str | None  # masked
    holder_since: dt.date | None  # the holder's registration date, Beijing time
    stage: str               # 待审核 / 待复核（姓名不一致）/ 等待移交 / 原持有人已提出异议


def stage_of(appeal: IdentityAppeal) -> str:
    if appeal.status != ApplicationStatus.pending:
        return appeals.STATUS_LABELS.get(appeal.status, "已处理")
    if appeal.handover_at is not None:
        return f"审核通过，{month_day_time(appeal.handover_at)}移交（现持有人可提出异议）"
    if appeal.objected_at is not None:
        return "现持有人已提出异议，请重新审核"
    if appeal.first_approved_at is not None:
        return "姓名不一致：已有一位审核人通过，待另一位审核人复核"
    return "待审核"


def reviews_for(session: Session, actor_org_id: int) -> list[Review]:
    """The pending appeals with what each needs beside its photo. Showing the claimed numbers in full is
    an access to personal data, recorded like a look at the photo."""
    found = []
    rows = pending_for(session, actor_org_id)
    for appeal in rows:
        current = holder(session, appeal)
        claimed = protector.decrypt(appeal.claimed_id_enc) if appeal.claimed_id_enc else "（早期申请未保存，请驳回后请申请人重新提交）"
        found.append(Review(appeal, claimed, mask_phone(appeals.appellant_phone(appeal)),
                            current.name if current else None,
                            mask_phone(protector.decrypt(current.phone_enc)) if current else None,
                            current.created_at.astimezone(BEIJING).date() if current else None, stage_of(appeal)))
    if rows:
        with unit_of_work(session):
            for appeal in rows:
                audit(session, ("org", actor_org_id), "identity_appeal.number_viewed", ("identity_appeal", appeal.id))
    return found


@dataclass(frozen=True)
class Decision:
    appeal: IdentityAppeal
    stage: str                       # "rejected", "second_review", "waiting"
    holder_openid: str | None = None  # to be told now: the account is about to be handed over
    holder_phone: str | None = None


def decide(session: Session, actor_org_id: int, appeal_id: int, accept: bool, reason: str | None = None, *,
           account_id: int | None = None, number_matches: bool = False, name_matches: bool = False,
           now: dt.datetime | None = None) -> Decision:
    now = now or utcnow()
    reason = text_bounds.note(reason, required=None if accept else "驳回时请填写原因，以便申请人了解", code="reason")
    if accept and not (number_matches and name_matches):
        raise Invalid("confirm", "请核对照片上的身份证号与申请的号码一致、照片上的姓名与申请人姓名一致，并勾选确认")
    with unit_of_work(session):
        appeal = session.get(IdentityAppeal, appeal_id, with_for_update=True)
        if appeal is None:
            raise NotFound("appeal_not_found", "身份认证申请不存在")
        _require_reviewer(session, actor_org_id, appeal)
        if appeal.status != ApplicationStatus.pending:
            raise Conflict("already_decided", "该申请已处理")
        if not accept:
            appeal.status, appeal.handover_at = ApplicationStatus.rejected, None
            appeal.decided_by, appeal.decided_at, appeal.decision_note = actor_org_id, now, reason
            audit(session, ("org", actor_org_id), "identity_appeal.reject", ("identity_appeal", appeal.id), reason=reason)
            return Decision(appeal, "rejected")
        if appeal.handover_at is not None:
            raise Conflict("waiting", "该申请已审核通过，正在等待移交")
        if appeal.name_differs and appeal.first_approved_at is None:
            appeal.first_approved_by, appeal.first_approved_account_id = actor_org_id, account_id
            appeal.first_approved_at = now
            audit(session, ("org", actor_org_id), "identity_appeal.first_approval", ("identity_appeal", appeal.id),
                  account=account_id)
            return Decision(appeal, "second_review")
        if appeal.name_differs and (appeal.first_approved_account_id == account_id
                                    or (account_id is None and appeal.first_approved_by == actor_org_id)):
            raise Conflict("same_reviewer", "申请人姓名与账号登记的姓名不一致，须由另一位审核人复核")
        current = holder(session, appeal)
        appeal.handover_at, appeal.objected_at = now + HANDOVER_WAIT, None
        appeal.decided_by, appeal.decision_note = actor_org_id, reason
        audit(session, ("org", actor_org_id), "identity_appeal.accept", ("identity_appeal", appeal.id),
              handover_at=appeal.handover_at.isoformat(), account=account_id)
        return Decision(appeal, "waiting", current.openid if current else None,
                        protector.decrypt(current.phone_enc) if current else None)


def awaiting_objection(session: Session, member_id: int, *, now: dt.datetime | None = None) -> IdentityAppeal | None:
    """An accepted appeal for this member's own ID number, still inside its waiting period."""
    member = session.get(Member, member_id)
    if member is None:
        return None
    return session.scalar(sa.select(IdentityAppeal).where(
        IdentityAppeal.id_number_hash == member.id_number_hash, IdentityAppeal.status == ApplicationStatus.pending,
        IdentityAppeal.handover_at > (now or utcnow())))


def object_to(session: Session, member_id: int, note: str | None = None, *,
              now: dt.datetime | None = None) -> IdentityAppeal:
    """The holder says the account is theirs: the handover stops and the reviewers look again."""
    now = now or utcnow()
    with unit_of_work(session):
        appeal = awaiting_objection(session, member_id, now=now)
        if appeal is None:
            raise NotFound("no_handover", "你的账号没有待移交的身份认证申请")
        appeal.handover_at, appeal.objected_at = None, now
        appeal.objection_note = text_bounds.note(note)
        appeal.first_approved_by = appeal.first_approved_account_id = appeal.first_approved_at = None
        audit(session, ("member", member_id), "identity_appeal.objection", ("identity_appeal", appeal.id))
        return appeal


@dataclass(frozen=True)
class Handover:
    appeal: IdentityAppeal
    previous_openid: str | None


def hand_over_due(session: Session, *, now: dt.datetime | None = None) -> list[Handover]:
    """The periodic job: accepted appeals whose waiting period passed without objection are carried out."""
    now = now or utcnow()
    ids = session.scalars(sa.select(IdentityAppeal.id).where(
        IdentityAppeal.status == ApplicationStatus.pending, IdentityAppeal.handover_at <= now)).all()
    return [handed for appeal_id in ids if (handed := _hand_over(session, appeal_id, now)) is not None]


def _hand_over(session: Session, appeal_id: int, now: dt.datetime) -> Handover | None:
    with unit_of_work(session):
        appeal = session.get(IdentityAppeal, appeal_id, with_for_update=True)
        if appeal is None or appeal.status != ApplicationStatus.pending or appeal.handover_at is None \
                or appeal.handover_at > now:
            return None  # objected or decided meanwhile
        member = holder(session, appeal)
        if member is not None and session.scalar(sa.select(Member.id).where(
                Member.phone_hash == appeal.phone_hash, Member.id != member.id)):
            appeal.status, appeal.decided_at, appeal.handover_at = ApplicationStatus.rejected, now, None
            appeal.decision_note = "申请人的手机号已被其他账号使用，请联系所在团组织"
            logger.warning("identity appeal %s not handed over: the appellant's phone is taken", appeal.id)
            return None
        previous_openid = member.openid if member else None
        if member is not None:
            member.name, member.phone_enc, member.phone_hash = appeal.name, appeal.phone_enc, appeal.phone_hash
            member.password_hash, member.openid, member.unionid = appeal.password_hash, appeal.openid, None
        appeal.status, appeal.decided_at, appeal.handover_at = ApplicationStatus.accepted, now, None
        audit(session, ("system", None), "identity_appeal.handover", ("identity_appeal", appeal.id))
    if member is not None:
        auth_sessions.revoke_all(session, member_id=member.id, openid=previous_openid or None)
    return Handover(appeal, previous_openid)


def holder_notice(appeal: IdentityAppeal, link: str) -> str:
    return (f"有人为你账号所登记的身份证号提交了身份认证，审核已通过，账号将于{month_day_time(appeal.handover_at)}移交给身份证本人。"
            f"如果这是你本人的身份证号，请在此之前提出异议：{link}")
