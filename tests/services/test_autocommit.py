"""services.autocommit: the bot's hot statements, one round trip each outside a transaction, prepared
by psycopg on the connections that run them often."""
import contextlib

import pytest
import sqlalchemy as sa

from config import normalise_database_url
from extensions import db
from models import Member
from services import autocommit
from tests.conftest import PG_URL
from tests.driver import DriverStatements
from tests.factories import make_member

_NAME = sa.select(Member.id, Member.name.label("who")).where(Member.id == sa.bindparam("member_id"))
_EVERYBODY = sa.select(Member.id).where(Member.name != sa.bindparam("not_named"))


def test_outside_a_transaction_it_runs_alone_in_autocommit_and_gives_the_row(session, backend):
    member = make_member(session)
    member_id = member.id
    session.commit()
    watched = DriverStatements(db.engine) if backend == "postgresql" else contextlib.nullcontext([])
    with watched as seen:  # and, on PostgreSQL, no pooled connection is left in autocommit after
        first = autocommit.one_or_none(session, _NAME, {"member_id": member_id})
        again = autocommit.one_or_none(session, _NAME, {"member_id": member_id})
        nobody = autocommit.one_or_none(session, _NAME, {"member_id": member_id + 1000})
    assert (first.id, first.who) == (member_id, member.name) == tuple(again) and nobody is None
    if backend == "postgresql":
        assert seen == [("SELECT", True)] * 3  # no BEGIN, no COMMIT
    with pytest.raises(sa.exc.MultipleResultsFound):
        make_member(session)
        session.commit()
        autocommit.one_or_none(session, _EVERYBODY, {"not_named": "无此人"})


_RENAME = (sa.update(Member.__table__).where(Member.id == sa.bindparam("member_id"))
           .values(name=sa.bindparam("new_name")).returning(Member.id, Member.name).cte("renamed").select())


def _name_elsewhere(member_id: int) -> str:
    with db.engine.connect() as other:
        return other.execute(sa.select(Member.name).where(Member.id == member_id)).scalar_one()


def test_inside_the_session_transaction_it_sees_and_commits_with_the_session(session, backend):
    member = make_member(session)
    member.name = "改过的名字"
    session.flush()  # the session's transaction is open: the statement joins it and sees this
    assert autocommit.one_or_none(session, _NAME, {"member_id": member.id}).who == "改过的名字"
    session.rollback()
    assert session.get(Member, member.id).name != "改过的名字"
    if backend != "postgresql":
        return  # SQLite has no data-modifying CTEs, which is why the join runs apart there
    member_id = member.id
    assert session().in_transaction()  # the read above began one: the write joins it and commits it
    renamed = autocommit.one_or_none(session, _RENAME, {"member_id": member_id, "new_name": "张三丰"}, writes=True)
    assert renamed.name == "张三丰"
    assert not session().in_transaction() and _name_elsewhere(member_id) == "张三丰"
    # Outside a transaction: committed by itself, in autocommit.
    assert autocommit.one_or_none(session, _RENAME, {"member_id": member_id, "new_name": "李四"}).name == "李四"
    assert _name_elsewhere(member_id) == "李四"


def test_errors_are_sqlalchemys_and_no_connection_is_left_in_autocommit(session, backend):
    if backend != "postgresql":
        pytest.skip("the autocommit path is PostgreSQL's")
    member = make_member(session)
    member_id = member.id
    session.commit()
    copy = sa.insert(Member.__table__).from_select(
        [c.name for c in Member.__table__.columns],
        sa.select(*Member.__table__.columns).where(Member.id == sa.bindparam("member_id"))
    ).returning(Member.id).cte("copied").select()
    with DriverStatements(db.engine), pytest.raises(sa.exc.IntegrityError):  # the same primary key
        autocommit.one_or_none(session, copy, {"member_id": member_id}, writes=True)
    assert autocommit.one_or_none(session, _NAME, {"member_id": member_id}).id == member_id  # the pool works on


def test_psycopg_prepares_a_statement_run_often_and_prepares_it_again_when_postgresql_lost_it(backend):
    """What services/prepared.py did by hand, psycopg does: after DB_PREPARE_THRESHOLD runs on a
    connection the statement is prepared there; a pooler's DEALLOCATE ALL or a migration that changes a
    column's type costs one failed try at most, never a wrong answer."""
    if backend != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")
    engine = sa.create_engine(normalise_database_url(PG_URL), pool_size=1, max_overflow=0,
                              connect_args={"prepare_threshold": 5})  # one connection: the same one each time
    probe = sa.Table("prepared_probe", sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True),
                     sa.Column("amount", sa.Integer))
    amount = sa.select(probe.c.amount).where(probe.c.id == sa.bindparam("id"))

    def prepared_here() -> int:
        with engine.connect() as conn:
            return conn.execute(sa.text("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE "
                                        "'%FROM prepared_probe%'")).scalar_one()

    try:
        with engine.begin() as conn:
            probe.drop(conn, checkfirst=True)
            probe.create(conn)
            conn.execute(probe.insert(), [{"id": 1, "amount": 5}])
        with sa.orm.Session(engine) as own:
            for _ in range(6):
                assert autocommit.one_or_none(own, amount, {"id": 1}).amount == 5
            assert prepared_here() == 1
            with engine.connect() as conn:
                conn.exec_driver_sql("DEALLOCATE ALL")  # on the pool's one connection, as a pooler would
                conn.commit()
            assert autocommit.one_or_none(own, amount, {"id": 1}).amount == 5
            with engine.begin() as conn:
                conn.execute(sa.text("ALTER TABLE prepared_probe ALTER COLUMN amount TYPE numeric(10, 2)"))
            for _ in range(3):
                with contextlib.suppress(sa.exc.NotSupportedError):  # "cached plan must not change result type"
                    assert autocommit.one_or_none(own, amount, {"id": 1}).amount == 5
    finally:
        with engine.begin() as conn:
            probe.drop(conn, checkfirst=True)
        engine.dispose()
