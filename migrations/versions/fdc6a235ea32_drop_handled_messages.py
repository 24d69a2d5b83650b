"""drop handled_messages: exactly-once lives in the shared store and in idempotent effects

Revision ID: fdc6a235ea32
Revises: c574d33d1a6f
Create Date: 2026-11-23 09:26:01.844410

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'fdc6a235ea32'
down_revision = 'c574d33d1a6f'
branch_labels = None
depends_on = None


def upgrade():
    op.drop_table('handled_messages')


def downgrade():
    op.create_table('handled_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('reply', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_handled_messages')),
    sa.UniqueConstraint('key', name=op.f('uq_handled_messages_key'))
    )
