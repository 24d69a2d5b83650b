"""Declarative base, naming convention and the UTC timestamp type shared by every model."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, registry

# Named constraints let Alembic's batch mode rebuild SQLite tables and drop constraints by name.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UTCDateTime(sa.types.TypeDecorator):
    """Timezone-aware UTC on every backend.

    PostgreSQL keeps ``timestamptz``; SQLite has no time zone, so values are normalised to UTC on the
    way in and given back their UTC tzinfo on the way out. A naive datetime is a bug and is refused.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    # On the registry, not the class: Flask-SQLAlchemy subclasses Base and refuses a per-class map.
    registry = registry(metadata=sa.MetaData(naming_convention=NAMING_CONVENTION),
                        type_annotation_map={dt.datetime: UTCDateTime})


class TimestampMixin:
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


def partial_unique(name: str, *columns: str, where: str) -> sa.Index:
    """A unique index over the rows matching ``where``: the invariant lives in the database on both backends."""
    return sa.Index(name, *columns, unique=True, sqlite_where=sa.text(where), postgresql_where=sa.text(where))


def str_enum(cls, name: str) -> sa.Enum:
    """Stored as VARCHAR + CHECK on both backends, so adding a value later is a plain migration."""
    return sa.Enum(cls, name=name, native_enum=False, create_constraint=True, length=20,
                   values_callable=lambda e: [m.value for m in e])
