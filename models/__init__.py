"""All models, importable from one place so Alembic and the services see the whole schema."""
from models.audit import AuditEntry
from models.base import Base, utcnow
from models.calendar import CalendarPeriod, PeriodKind
from models.certificate import Certificate
from models.commendation import COMMENDATION_LABELS, Commendation, CommendationKind
from models.consent import Consent, ConsentKind
from models.member import ApplicationStatus, BranchApplication, IdentityAppeal, Member, Sex
from models.milestone import MEASURE_LABELS, Measure, Milestone
from models.org import (
    ORG_KIND_LABELS,
    STAFF_ROLE_LABELS,
    OrgAccount,
    Organization,
    OrgKind,
    RegistrationCode,
    StaffInvitation,
    StaffRole,
    StreetCategory,
)
from models.pairing import Pairing, PairingCode, PairingStatus
from models.project import Audience, Enrolment, EnrolmentStatus, Project, ProjectStatus, ProjectTimekeeper
from models.record import RECORD_STATUS_LABELS, CorrectionRequest, CorrectionStatus, RecordStatus, ServiceRecord
from models.reminder import (
    REMINDER_LABELS,
    REMINDER_STATUS_LABELS,
    Reminder,
    ReminderKind,
    ReminderOptOut,
    ReminderStatus,
)
from models.review import REVIEW_LABELS, LeagueReview, ReviewResult, ReviewYear
from models.session import AuthSession, SessionKind
from models.stats import OrgStats, OrgStatsDay, RateTarget
from models.team import CoordSystem, Team, TeamMembership
from models.wechat import (
    DELIVERY_LABELS,
    DeliveryStatus,
    PushDelivery,
    PushRun,
    PushState,
    Subscription,
    WechatFollower,
)

__all__ = [
    "ApplicationStatus", "AuditEntry", "AuthSession", "SessionKind", "Certificate", "CorrectionRequest", "CorrectionStatus", "Audience", "Base", "BranchApplication", "CoordSystem",
    "DELIVERY_LABELS", "DeliveryStatus", "Enrolment", "EnrolmentStatus", "IdentityAppeal", "Member",
    "ORG_KIND_LABELS", "STAFF_ROLE_LABELS", "StaffInvitation", "StaffRole", "OrgAccount", "OrgKind", "OrgStats", "Organization", "Pairing", "PairingCode",
    "PairingStatus", "Project", "ProjectStatus", "ProjectTimekeeper", "PushDelivery", "PushRun", "PushState", "RECORD_STATUS_LABELS", "RecordStatus",
    "RegistrationCode", "ServiceRecord", "Sex", "StreetCategory", "Team", "TeamMembership", "WechatFollower",
    "utcnow", "Subscription", "CalendarPeriod", "Consent", "ConsentKind", "PeriodKind", "REVIEW_LABELS", "LeagueReview", "RateTarget", "ReviewResult", "ReviewYear", "OrgStatsDay",
    "COMMENDATION_LABELS", "Commendation", "CommendationKind", "MEASURE_LABELS", "Measure", "Milestone",
    "REMINDER_LABELS", "REMINDER_STATUS_LABELS", "Reminder", "ReminderKind", "ReminderOptOut", "ReminderStatus",
]
