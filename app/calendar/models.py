from __future__ import annotations

from datetime import date, datetime
from uuid import uuid4

from sqlalchemy import Date, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.clock import clock
from app.core.db_types import UTCDateTime
from app.core.extensions import db
from app.core.i18n import N_

DAY_KINDS = {"holiday": N_("法定节假日"), "workday": N_("调休上班")}


DAY_NAME_MAX = 40  # characters of a day's name (国庆节…): the column, the forms and the API schema


class CalendarYear(db.Model):
    """A year whose schedule is loaded. A date in a year without a row cannot be counted."""

    __tablename__ = "calendar_year"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    source: Mapped[str] = mapped_column(String(200))
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    # A new random token whenever the year's days change: processes cache a year until it differs.
    revision: Mapped[str] = mapped_column(String(32), default=lambda: uuid4().hex, server_default="initial")


class CalendarDay(db.Model):
    """An exception to the Monday–Friday rule: a holiday on a weekday or a make-up working day."""

    __tablename__ = "calendar_day"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(DAY_NAME_MAX), default="")
