"""outbox.claimed_by: the instance sending a row, so that with several instances one releases
only the rows of an instance that died, never a live one's

Rows claimed before this revision have none; a start-up without REDIS_URL releases every row
being sent, as before.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("claimed_by", sa.String(32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("claimed_by")
