"""service records index carries the duration

Revision ID: 9e3a74b3fcd1
Revises: c24a29781bbd
Create Date: 2026-11-29 22:31:00.405898

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '9e3a74b3fcd1'
down_revision = 'c24a29781bbd'
branch_labels = None
depends_on = None


NAME, COLUMNS = "ix_service_records_member_status_signin", ["member_id", "status", "signin_at"]


def upgrade():
    # PostgreSQL keeps the duration in the index (INCLUDE), so a member's year of minutes is an index-only
    # read; SQLite has no INCLUDE and gets the same index back.
    op.drop_index(NAME, table_name="service_records")
    op.create_index(NAME, "service_records", COLUMNS, postgresql_include=["duration_minutes"])


def downgrade():
    op.drop_index(NAME, table_name="service_records")
    op.create_index(NAME, "service_records", COLUMNS)
