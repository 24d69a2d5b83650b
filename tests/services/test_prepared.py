"""services.kernel.prepared: the bot's hot statements, prepared per pooled connection on PostgreSQL."""
import contextlib

import pytest
import sqlalchemy as sa

from models import Member
from runtime.extensions import db
from services.kernel.prepared import Prepared
from tests.conftest import PG_URL
from tests.driver import DriverStatements
from tests.factories import make_member

_NAME = Prepared(sa.select(Member.id, Member.name.label("who")).where(Member.id == sa.bindparam("member_id")))
_EVERYBODY = Prepared(sa.select(Member.id).where(Member.name != sa.bindparam("not_named")))


def test_outside_a_transaction_it_runs_prepared_in_autocommit_and_gives_the_row(session, backend):
    member = make_member(session)
    member_id = member.id
    session.commit()
    named = Prepared(_NAME.statement)  # a name of its own: prepared on no connection yet
    watched = DriverStatements(db.engine) if backend == "postgresql" else contextlib.nullcontext([])
    with watched as seen:  # and, on PostgreSQL, no pooled connection is left in autocommit after
        first = named.one_or_none(session, {"member_id": member_id})
        again = named.one_or_none(session, {"member_id": member_id})
        nobody = named.one_or_none(session, {"member_id": member_id + 1000})
    assert (first.id, first.who) == (member_id, member.name) == tuple(again) and nobody is None
    if backend == "postgresql":
        # PREPARE once on each pooled connection used, then one EXECUTE a call, all in autocommit.
        assert [s for s in seen if s[0] != "PREPARE"] == [("EXECUTE", True)] * 3 and all(a for _, a in seen)
        assert 1 <= seen.count(("PREPARE", True)) <= 3
    with pytest.raises(sa.exc.MultipleResultsFound):
        make_member(session)
        session.commit()
        _EVERYBODY.one_or_none(session, {"not_named": "无此人"})


_RENAME = Prepared(sa.update(Member.__table__).where(Member.id == sa.bindparam("member_id"))
                   .values(name=sa.bindparam("new_name")).returning(Member.id, Member.name).cte("renamed").select())


def _name_elsewhere(member_id: int) -> str:
    with db.engine.connect() as other:
        return other.execute(sa.select(Member.name).where(Member.id == member_id)).scalar_one()


def test_inside_the_session_transaction_it_sees_and_commits_with_the_session(session, backend):
    member = make_member(session)
    member.name = "改过的名字"
    session.flush()  # the session's transaction is open: the statement joins it and sees this
    assert _NAME.one_or_none(session, {"member_id": member.id}).who == "改过的名字"
    session.rollback()
    assert session.get(Member, member.id).name != "改过的名字"
    if backend != "postgresql":
        return  # SQLite has no data-modifying CTEs, which is why the join runs apart there
    member_id = member.id
    assert session().in_transaction()  # the read above began one: the write joins it and commits it
    assert _RENAME.one_or_none(session, {"member_id": member_id, "new_name": "张三丰"}, writes=True).name == "张三丰"
    assert not session().in_transaction() and _name_elsewhere(member_id) == "张三丰"
    # Outside a transaction: committed by itself, in autocommit.
    assert _RENAME.one_or_none(session, {"member_id": member_id, "new_name": "李四"}).name == "李四"
    assert _name_elsewhere(member_id) == "李四"


def test_errors_are_sqlalchemys_with_hidden_parameters_and_no_connection_left_in_autocommit(session, pg_only):
    member = make_member(session)
    member_id = member.id
    session.commit()
    copy = Prepared(sa.insert(Member.__table__).from_select(
        [c.name for c in Member.__table__.columns],
        sa.select(*Member.__table__.columns).where(Member.id == sa.bindparam("member_id")))
        .returning(Member.id).cte("copied").select())
    with DriverStatements(db.engine), pytest.raises(sa.exc.IntegrityError) as err:  # the same primary key
        copy.one_or_none(session, {"member_id": member_id}, writes=True)
    assert "parameters hidden" in str(err.value)
    assert _NAME.one_or_none(session, {"member_id": member_id}).id == member_id  # the pool works on


def test_a_statement_postgresql_lost_or_cannot_reuse_is_prepared_again(pg_only):
    """A pooler's DISCARD ALL drops prepared statements; a migration changing a column's type makes the
    cached plan unusable: neither ran anything, so the statement is prepared again and run once more."""
    engine = sa.create_engine(PG_URL, pool_size=1, max_overflow=0)  # one connection: the same one each time
    probe = sa.Table("prepared_probe", sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True),
                     sa.Column("amount", sa.Integer))
    try:
        with engine.begin() as conn:
            probe.drop(conn, checkfirst=True)
            probe.create(conn)
            conn.execute(probe.insert(), [{"id": 1, "amount": 5}])
        amount = Prepared(sa.select(probe.c.amount).where(probe.c.id == sa.bindparam("id")))
        with sa.orm.Session(engine) as own:
            assert amount.one_or_none(own, {"id": 1}).amount == 5
            with engine.connect() as conn:
                conn.exec_driver_sql("DEALLOCATE ALL")  # on the pool's one connection, as a pooler would
                conn.commit()
            assert amount.one_or_none(own, {"id": 1}).amount == 5
            with engine.begin() as conn:
                conn.execute(sa.text("ALTER TABLE prepared_probe ALTER COLUMN amount TYPE numeric(10, 2)"))
            assert amount.one_or_none(own, {"id": 1}).amount == 5
    finally:
        with engine.begin() as conn:
            probe.drop(conn, checkfirst=True)
        engine.dispose()
