"""The one clock. Every piece of code that needs "now" asks here, so tests (and `tick --now` in
development) can move time: a 5-working-day window or a 3-year publication period is crossed
in milliseconds."""
from __future__ import annotations

import threading
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Shanghai")


_local_now: ContextVar[datetime | None] = ContextVar("chengxin_local_now", default=None)


class Clock:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._frozen: datetime | None = None

    def now(self) -> datetime:
        """Current time, timezone-aware UTC."""
        local = _local_now.get()
        if local is not None:
            return local
        with self._lock:
            if self._frozen is not None:
                return self._frozen
        return datetime.now(timezone.utc)

    def today(self) -> date:
        """Today's date in Shanghai, which is what deadlines count in."""
        return self.now().astimezone(LOCAL_TZ).date()

    def set(self, when: datetime) -> None:
        if when.tzinfo is None:
            when = when.replace(tzinfo=LOCAL_TZ)
        with self._lock:
            self._frozen = when.astimezone(timezone.utc)

    def advance(self, delta: timedelta) -> datetime:
        with self._lock:
            base = self._frozen if self._frozen is not None else datetime.now(timezone.utc)
            self._frozen = base + delta
            return self._frozen

    def reset(self) -> None:
        with self._lock:
            self._frozen = None

    @property
    def is_frozen(self) -> bool:
        return self._frozen is not None

    @contextmanager
    def travel(self, when: datetime):
        """Time for the current context only (one request or thread), e.g. a designer's process
        test moving through a 5-day window while the rest of the server keeps real time.
        Inside, `advance_local` moves this context's time."""
        if when.tzinfo is None:
            when = when.replace(tzinfo=LOCAL_TZ)
        token = _local_now.set(when.astimezone(timezone.utc))
        try:
            yield self
        finally:
            _local_now.reset(token)

    def advance_local(self, delta: timedelta) -> datetime:
        current = _local_now.get()
        if current is None:
            raise RuntimeError("advance_local outside clock.travel()")
        _local_now.set(current + delta)
        return current + delta


clock = Clock()


def local_midnight_after(day: date) -> datetime:
    """The instant a whole local day ends (00:00 of the next day, Shanghai), as UTC.
    A deadline "by day D" is due at this instant."""
    return datetime.combine(day + timedelta(days=1), datetime.min.time(), LOCAL_TZ).astimezone(timezone.utc)


def local_day_start(day: date) -> datetime:
    """00:00 of a local (Shanghai) day, as UTC."""
    return datetime.combine(day, datetime.min.time(), LOCAL_TZ).astimezone(timezone.utc)
