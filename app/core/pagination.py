"""Counting list totals without counting every row: a city-wide reviewer's inbox or case list
may hold tens of thousands of rows, and an exact `count(*)` of them on every page view costs more
than the page. Lists count up to a cap (`LIST_COUNT_CAP`) and say "1000+" beyond it."""
from __future__ import annotations

from flask import current_app
from sqlalchemy import func, literal_column, select

from app.core.extensions import db


class Total(int):
    """How many rows a list has, counted no further than a cap. `capped` says there are more than
    the number; str() shows the "+" (templates print it as it is)."""

    capped: bool

    def __new__(cls, value: int, capped: bool = False):
        total = super().__new__(cls, value)
        total.capped = capped
        return total

    def __str__(self) -> str:
        return f"{int(self)}+" if self.capped else str(int(self))

    __repr__ = __str__


def count_capped(query, page: int = 1, per_page: int = 0) -> Total:
    """`count(*)` of the query's rows, stopping after the cap — never before the rows up to the
    requested page, so "next" keeps working past the cap."""
    cap = max(current_app.config["LIST_COUNT_CAP"], page * per_page)
    # Count constants, not rows: the database may answer from the index without reading the table.
    rows = query.with_only_columns(literal_column("1"), maintain_column_froms=True).limit(cap + 1)
    n = db.session.scalar(select(func.count()).select_from(rows.subquery()))
    return Total(min(n, cap), n > cap)


def page_count(total: Total, per_page: int) -> int:
    """Pages to offer: all the counted ones, and one more when there are more rows than counted."""
    return max(1, -(-total // per_page) + total.capped)
