"""The one clock. Every piece of code that needs "now" asks here, so tests (and `tick --now` in
development) can move time: a 5-working-day window or a 3-year publication period is crossed
in milliseconds."""
from __future__ import annotations

import json
import os
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from contextvars import ContextVar
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Shanghai")


_local_now: ContextVar[datetime | None] = ContextVar("chengxin_local_now", default=None)


class OffsetFile:
    """The development clock's offset from real time, in a small JSON file of the instance folder
    (`{"offset_seconds": …}`), so the web server and `tick` share it. Re-read when it changes
    (one stat per read). Missing or unreadable: no offset."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._seen: int | None = None
        self._offset = timedelta(0)

    def offset(self) -> timedelta:
        try:
            changed = os.stat(self.path).st_mtime_ns
        except OSError:
            return timedelta(0)
        if changed != self._seen:
            try:
                with open(self.path, encoding="utf-8") as f:
                    self._offset = timedelta(seconds=float(json.load(f)["offset_seconds"]))
            except (OSError, ValueError, KeyError, TypeError):
                self._offset = timedelta(0)
            self._seen = changed
        return self._offset

    def write(self, offset: timedelta) -> None:
        tmp = self.path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump({"offset_seconds": offset.total_seconds()}, f)
        os.replace(tmp, self.path)

    def remove(self) -> None:
        try:
            os.remove(self.path)
        except FileNotFoundError:
            pass


@dataclass(frozen=True)
class DevelopmentClockStatus:
    """What the development clock shows: product time and wall-clock time (UTC), their offset."""

    enabled: bool
    now: datetime
    real: datetime
    offset: timedelta

    @property
    def moved(self) -> bool:
        return abs(self.offset) >= timedelta(seconds=1)


class Clock:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._frozen: datetime | None = None
        self._development: OffsetFile | None = None

    def now(self) -> datetime:
        """Current time, timezone-aware UTC."""
        local = _local_now.get()
        if local is not None:
            return local
        with self._lock:
            if self._frozen is not None:
                return self._frozen
            development = self._development
        real = datetime.now(timezone.utc)
        return real + development.offset() if development is not None else real

    # --- the development clock (never in production: see app.admin.devclock) ---------------------

    def use_development_offset(self, path: str | None) -> None:
        """Read the development clock's offset from `path` (None: real time only)."""
        with self._lock:
            self._development = OffsetFile(path) if path else None

    @property
    def development_offset(self) -> timedelta:
        development = self._development
        return development.offset() if development is not None else timedelta(0)

    def development_status(self, enabled: bool) -> DevelopmentClockStatus:
        real = datetime.now(timezone.utc)
        offset = self.development_offset if enabled else timedelta(0)
        return DevelopmentClockStatus(enabled, real + offset, real, offset)

    def set_development_time(self, when: datetime) -> timedelta:
        """Make `now()` read `when` from this moment on (time then runs on). Returns the offset."""
        if self._development is None:
            raise RuntimeError("the development clock is off")
        if when.tzinfo is None:
            when = when.replace(tzinfo=LOCAL_TZ)
        offset = when.astimezone(timezone.utc) - datetime.now(timezone.utc)
        self._development.write(offset)
        return offset

    def reset_development_time(self) -> None:
        if self._development is not None:
            self._development.remove()

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


def deadline_last_day(due: datetime) -> date:
    """The last local (Shanghai) day of a deadline that falls due at `due` (the inverse of
    `local_midnight_after`: a deadline due at 00:00 of D+1 is "by day D")."""
    return (due - timedelta(seconds=1)).astimezone(LOCAL_TZ).date()


def local_day_start(day: date) -> datetime:
    """00:00 of a local (Shanghai) day, as UTC."""
    return datetime.combine(day, datetime.min.time(), LOCAL_TZ).astimezone(timezone.utc)
