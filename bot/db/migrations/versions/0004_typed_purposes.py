"""outbox purposes name their feature: "card:12" becomes "desk.card:12"

Revision ID: 0004
Revises: 0003
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Before this revision only the desk gave its rows a purpose, as "kind:ticket_id".
    op.execute(
        "UPDATE outbox SET purpose = 'desk.' || purpose "
        "WHERE purpose LIKE '%:%' AND purpose NOT LIKE '%.%'"
    )


def downgrade() -> None:
    op.execute("UPDATE outbox SET purpose = substr(purpose, 6) WHERE purpose LIKE 'desk.%'")
