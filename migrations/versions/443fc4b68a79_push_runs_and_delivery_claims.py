"""push runs and delivery claims: deliveries gain the sending/unknown states and a claim time

Revision ID: 443fc4b68a79
Revises: 1122bfa97f33
Create Date: 2026-11-23 04:43:10.737339

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '443fc4b68a79'
down_revision = '1122bfa97f33'
branch_labels = None
depends_on = None

OLD_STATES = ('pending', 'sent', 'delivered', 'failed', 'blocked')
NEW_STATES = ('pending', 'sending', 'sent', 'delivered', 'failed', 'blocked', 'unknown')


def upgrade():
    op.create_table('push_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('requested_by_org_id', sa.Integer(), nullable=True),
    sa.Column('state', sa.Enum('queued', 'running', 'paused', 'done', 'failed', name='push_state', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('recipients', sa.Integer(), nullable=True),
    sa.Column('resume_after', sa.DateTime(timezone=True), nullable=True),
    sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.String(length=300), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_push_runs_project_id_projects')),
    sa.ForeignKeyConstraint(['requested_by_org_id'], ['organizations.id'], name=op.f('fk_push_runs_requested_by_org_id_organizations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_push_runs'))
    )
    with op.batch_alter_table('push_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_push_runs_project_id'), ['project_id'], unique=False)

    with op.batch_alter_table('push_deliveries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_push_deliveries_project_status', ['project_id', 'status'], unique=False)
        batch_op.drop_constraint(op.f('ck_push_deliveries_delivery_status'), type_='check')
        batch_op.create_check_constraint('delivery_status', sa.column('status').in_(NEW_STATES))


def downgrade():
    op.execute("UPDATE push_deliveries SET status = 'failed' WHERE status IN ('sending', 'unknown')")
    with op.batch_alter_table('push_deliveries', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_push_deliveries_delivery_status'), type_='check')
        batch_op.create_check_constraint('delivery_status', sa.column('status').in_(OLD_STATES))
        batch_op.drop_index('ix_push_deliveries_project_status')
        batch_op.drop_column('claimed_at')

    with op.batch_alter_table('push_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_push_runs_project_id'))

    op.drop_table('push_runs')
