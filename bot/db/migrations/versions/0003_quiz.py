"""trainee quiz: rounds, the polls sent, answers

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "quiz_rounds",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("lang", sa.String(2), nullable=False),
        sa.Column("topic", sa.String(64)),
        sa.Column("question_ids", sa.JSON(), nullable=False),
        sa.Column("current", sa.Integer(), nullable=False),
        sa.Column("open_period", sa.Integer()),
        sa.Column("retry_of", sa.Integer(), sa.ForeignKey("quiz_rounds.id")),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_quiz_rounds_chat_status", "quiz_rounds", ["chat_id", "status"])
    op.create_index("ix_quiz_rounds_user_id", "quiz_rounds", ["user_id"])
    op.create_table(
        "quiz_polls",
        sa.Column("poll_id", sa.String(64), primary_key=True),
        sa.Column("round_id", sa.Integer(), sa.ForeignKey("quiz_rounds.id"), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("correct_option", sa.Integer(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_quiz_polls_round_id", "quiz_polls", ["round_id"])
    op.create_table(
        "quiz_answers",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("round_id", sa.Integer(), sa.ForeignKey("quiz_rounds.id"), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("first_name", sa.String(128), nullable=False),
        sa.Column("poll_id", sa.String(64), nullable=False),
        sa.Column("option", sa.Integer(), nullable=False),
        sa.Column("correct", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("round_id", "position", "user_id"),
    )
    op.create_index("ix_quiz_answers_user_id", "quiz_answers", ["user_id"])


def downgrade() -> None:
    op.drop_table("quiz_answers")
    op.drop_table("quiz_polls")
    op.drop_table("quiz_rounds")
