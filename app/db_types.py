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
