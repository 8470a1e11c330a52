"""Column types shared by every model."""
from datetime import datetime, timezone

from sqlalchemy import DateTime, types


class UTCDateTime(types.TypeDecorator):
    """Stores naive UTC (SQLite has no time zones), always returns aware UTC datetimes."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if isinstance(value, datetime) else value


def too_long_for(model, values: dict) -> dict[str, int]:
    """{attribute: its column's length} for each text value longer than the String(n) column of
    `model` it is bound for (attribute names are the model's column names). For data whose bound
    is not fixed in code — a form a designer may edit — checked before it is stored (PostgreSQL
    refuses such a value; SQLite would keep it)."""
    over = {}
    for name, value in values.items():
        length = getattr(model.__table__.c[name].type, "length", None)
        if isinstance(value, str) and length is not None and len(value) > length:
            over[name] = length
    return over
