"""The schema's migrations on a real SQLite file: the move to several operators' groups
(0007) and back."""

from __future__ import annotations

from alembic import command
from sqlalchemy import text

from bot.db.engine import alembic_config, create_engine, migrate

GROUP, OTHER = -1001234, -1005678


def _alembic(step, revision: str, operators_chat_id: int | None):
    def run(connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        config.attributes["operators_chat_id"] = operators_chat_id
        step(config, revision)

    return run


async def test_links_gain_their_group_and_keep_it_on_the_way_back(database_url):
    engine = create_engine(database_url)
    async with engine.begin() as connection:
        await connection.run_sync(_alembic(command.upgrade, "0006", None))
        await connection.execute(
            text(
                "INSERT INTO users (id, first_seen, last_seen) "
                "VALUES (501, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            )
        )
        await connection.execute(
            text(
                "INSERT INTO tickets (id, user_id, status, lang, question, guesses, first_name, "
                "created_at) VALUES (1, 501, 'open', 'ru', 'q', '[]', 'A', CURRENT_TIMESTAMP)"
            )
        )
        await connection.execute(text("INSERT INTO ticket_links VALUES (40, 1)"))

    await migrate(engine, operators_chat_id=GROUP)
    async with engine.begin() as connection:
        assert (await connection.execute(text("SELECT chat_id FROM tickets"))).scalar() == GROUP
        links = await connection.execute(text("SELECT chat_id, message_id FROM ticket_links"))
        assert links.all() == [(GROUP, 40)]
        # message ids are numbered per chat: another group's message 40 is another link
        await connection.execute(text(f"INSERT INTO ticket_links VALUES ({OTHER}, 40, 1)"))

    async with engine.begin() as connection:
        await connection.run_sync(_alembic(command.downgrade, "0006", GROUP))
        links = await connection.execute(text("SELECT message_id, ticket_id FROM ticket_links"))
        assert links.all() == [(40, 1)]  # the one group's, the other's would collide
    await migrate(engine, operators_chat_id=GROUP)  # and up again
    async with engine.connect() as connection:
        links = await connection.execute(text("SELECT chat_id, message_id FROM ticket_links"))
        assert links.all() == [(GROUP, 40)]
    await engine.dispose()
