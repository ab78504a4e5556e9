"""several operators' groups: tickets.chat_id, ticket_links keyed by chat and message

Message ids are numbered per chat, so a link names its group. Everything before this revision
lived in the one group, OPERATORS_CHAT_ID, which bot.db.engine.migrate hands over; without it
no card was ever posted, and links (of a group no longer configured) are dropped.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import context, op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    group = context.config.attributes.get("operators_chat_id")
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("chat_id", sa.BigInteger()))
    op.create_table(
        "ticket_links_new",
        sa.Column("chat_id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("message_id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("ticket_id", sa.Integer(), sa.ForeignKey("tickets.id"), nullable=False),
    )
    if group is not None:
        op.execute(sa.text("UPDATE tickets SET chat_id = :group").bindparams(group=group))
        op.execute(
            sa.text(
                "INSERT INTO ticket_links_new (chat_id, message_id, ticket_id) "
                "SELECT :group, message_id, ticket_id FROM ticket_links"
            ).bindparams(group=group)
        )
    op.drop_index("ix_ticket_links_ticket_id", "ticket_links")
    op.drop_table("ticket_links")
    op.rename_table("ticket_links_new", "ticket_links")
    op.create_index("ix_ticket_links_ticket_id", "ticket_links", ["ticket_id"])


def downgrade() -> None:
    """Back to one group: only the links of the group that `migrate` hands over
    (OPERATORS_CHAT_ID) are kept, as message ids are numbered per chat and another group's
    would collide with them; without it, none."""
    group = context.config.attributes.get("operators_chat_id")
    op.create_table(
        "ticket_links_old",
        sa.Column("message_id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("ticket_id", sa.Integer(), sa.ForeignKey("tickets.id"), nullable=False),
    )
    if group is not None:
        op.execute(
            sa.text(
                "INSERT INTO ticket_links_old (message_id, ticket_id) "
                "SELECT message_id, ticket_id FROM ticket_links WHERE chat_id = :group"
            ).bindparams(group=group)
        )
    op.drop_index("ix_ticket_links_ticket_id", "ticket_links")
    op.drop_table("ticket_links")
    op.rename_table("ticket_links_old", "ticket_links")
    op.create_index("ix_ticket_links_ticket_id", "ticket_links", ["ticket_id"])
    # Not a batch (which rebuilds the table, refused while links and suggestions refer to it):
    # SQLite drops a plain column itself since 3.35.
    op.drop_column("tickets", "chat_id")
