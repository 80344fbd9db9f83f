"""The abuse checks find an owner's newest ratings through that owner's own index, never by reading
every response of the window (a sequential scan under a flood)."""

from survey.core.stuffing import recent_statement

SINCE = "2026-12-02 08:00:00"


def plan(session, statement, parameters: dict) -> str:
    """Return the database's plan of a statement (sequential scans discouraged on PostgreSQL, whose
    planner would read a test's few rows whole whatever the indexes)."""
    connection = session.connection()
    compiled = statement.compile(dialect=connection.dialect)
    values = compiled.construct_params(parameters)
    if connection.dialect.name == "sqlite":
        rows = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + compiled.string,
                                          tuple(values[name] for name in compiled.positiontup))
        return "\n".join(row[-1] for row in rows)
    connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
    return "\n".join(row[0] for row in connection.exec_driver_sql("EXPLAIN " + compiled.string, values))


def test_a_web_form_reads_its_counter_and_client_through_their_indexes(session, province):
    statement = recent_statement(("counter_id", "client_hash"), newest=True)
    found = plan(session, statement, {"counter_id": 1, "client_hash": "ab" * 16, "since": SINCE, "limit": 10})
    assert "ix_response_counter_id_submitted_at" in found
    assert "ix_response_client_hash_submitted_at" in found
    session.rollback()


def test_a_kiosk_reads_its_device_and_counter_through_their_indexes(session, province):
    statement = recent_statement(("counter_id", "kiosk_id"), newest=False)
    found = plan(session, statement, {"counter_id": 1, "kiosk_id": 1, "since": SINCE, "limit": 2000})
    assert "ix_response_counter_id_submitted_at" in found
    assert "ix_response_kiosk_id_submitted_at" in found
    session.rollback()
