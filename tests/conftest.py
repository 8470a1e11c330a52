"""Test fixtures: the real app, the real engine and a real database — SQLite by default,
PostgreSQL when TEST_DATABASE_URL points at it (`make test` runs both). The schema is built by
the Alembic migrations, so the migrations are tested too. Time comes from the movable clock."""
from __future__ import annotations

import os
import time
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import delete, extract, select, text
from sqlalchemy.exc import OperationalError

os.environ.setdefault("FLASK_TESTING", "1")

from app import create_app  # noqa: E402
from app.core.clock import LOCAL_TZ, clock  # noqa: E402
from app.config import TestConfig  # noqa: E402
from app.core.extensions import db  # noqa: E402
from tests.no_skips import pytest_runtest_logreport, pytest_sessionfinish, pytest_terminal_summary  # noqa: E402,F401

# Tables kept between tests: reference data that tests do not change.
KEEP = {"department", "calendar_year", "calendar_day", "user", "user_role", "civil_servant", "alembic_version"}
START = datetime(2026, 9, 14, 9, 0, tzinfo=LOCAL_TZ)  # a Monday, before the 2026 National Day holiday


def _reset_schema(app) -> None:
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "postgresql":
            with engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        else:
            path = engine.url.database
            engine.dispose()
            if path and os.path.exists(path):
                os.remove(path)


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("chengxin")

    class Config(TestConfig):
        UPLOAD_DIR = str(tmp / "uploads")
        if not os.environ.get("TEST_DATABASE_URL"):
            SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp / 'test.db'}"

    app = create_app(Config)
    _reset_schema(app)
    with app.app_context():
        from flask_migrate import upgrade

        upgrade(directory=str(Path(app.root_path).parent / "migrations"))
        from app.demo.reference_data import seed_reference_data
        from app.demo.seed import DEMO_SERVANTS, DEMO_USERS
        from app.org.models import CivilServant, Department, User
        from sqlalchemy import select

        seed_reference_data()
        for username, full_name, dept, roles in DEMO_USERS:
            user = User(username=username, full_name=full_name,
                        department=db.session.scalar(select(Department).where(Department.code == dept)))
            user.set_password("Demo@2026")
            user.set_roles(roles)
            db.session.add(user)
        for name, staff, position, dept in DEMO_SERVANTS:
            db.session.add(CivilServant(name=name, staff_number=staff, position=position,
                                        department=db.session.scalar(select(Department).where(Department.code == dept))))
        db.session.commit()
    yield app
    with app.app_context():
        db.engine.dispose()


def _clean(app) -> None:
    with app.app_context():
        tables = [t for t in reversed(db.metadata.sorted_tables) if t.name not in KEEP]
        # A browser test's late request (a stylesheet, a poll) may still hold a table when the next
        # test cleans up; PostgreSQL then breaks the deadlock by failing the TRUNCATE: try again.
        for attempt in range(5):
            try:
                with db.engine.begin() as conn:
                    if db.engine.dialect.name == "postgresql":
                        conn.execute(text("TRUNCATE " + ", ".join(f'"{t.name}"' for t in tables) + " RESTART IDENTITY CASCADE"))
                    else:
                        for t in tables:
                            conn.execute(t.delete())
                break
            except OperationalError:
                if attempt == 4:
                    raise
                time.sleep(0.5)
        from app.demo.seed import DEMO_USERS
        from app.org.models import User, UserRole

        # Users a test created go; the demo users stay as seeded (a language switch must not leak).
        demo = [u[0] for u in DEMO_USERS]
        extra = select(User.id).where(User.username.not_in(demo))
        db.session.execute(delete(UserRole).where(UserRole.user_id.in_(extra)))
        db.session.execute(delete(User).where(User.username.not_in(demo)))
        db.session.execute(db.update(User).values(locale="zh_CN", email=None, mail_preference="email", digest_through=None))
        db.session.commit()
        # Calendar years a test imported (beyond what the package seeds) are removed again.
        from app.calendar.models import CalendarDay, CalendarYear

        extra = list(db.session.scalars(select(CalendarYear.year).where(~CalendarYear.source.startswith("chinesecalendar"))))
        if extra:
            db.session.execute(delete(CalendarDay).where(extract("year", CalendarDay.day).in_(extra)))
            db.session.execute(delete(CalendarYear).where(CalendarYear.year.in_(extra)))
            db.session.commit()
        from app.designer.deployment import deploy_workflows_dir

        deploy_workflows_dir()
        db.session.remove()


@pytest.fixture(autouse=True)
def _fresh(app):
    clock.set(START)
    _clean(app)
    yield
    clock.reset()
    with app.app_context():
        db.session.remove()


@pytest.fixture()
def kept_rows_restored(app):
    """For tests that change rows kept between tests (KEEP): units, calendar days, the demo
    accounts. Afterwards what the test created goes and what it changed is put back (the calendar
    through the service, so its caches see a new revision)."""
    from app.calendar.models import CalendarDay, CalendarYear
    from app.calendar.service import replace_year
    from app.org.models import Department, User
    from app.core.transaction import unit_of_work

    with app.app_context():
        units = {d.id: (d.code, d.name, d.kind, d.district_id, d.active) for d in db.session.scalars(select(Department))}
        years = {y.year: y.source for y in db.session.scalars(select(CalendarYear))}
        days = [(d.day, d.kind, d.name) for d in db.session.scalars(select(CalendarDay))]
        accounts = {u.id: (u.password_hash, u.active, u.full_name, u.department_id, u.scope_district_id, sorted(u.roles),
                           u.auth_version) for u in db.session.scalars(select(User))}
        db.session.remove()
    yield
    _clean(app)  # tokens, sessions and the users a test created go first
    with app.app_context(), unit_of_work():
        created = select(Department.id).where(Department.id.not_in(list(units)))
        db.session.execute(db.update(Department).where(Department.district_id.in_(created)).values(district_id=None))
        db.session.execute(delete(Department).where(Department.id.not_in(list(units))))
        for unit in db.session.scalars(select(Department)):
            unit.code, unit.name, unit.kind, unit.district_id, unit.active = units[unit.id]
        for user in db.session.scalars(select(User)):
            (user.password_hash, user.active, user.full_name, user.department_id, user.scope_district_id, roles,
             user.auth_version) = accounts[user.id]
            user.set_roles(roles)
        for year, source in years.items():
            replace_year(year, [d for d in days if d[0].year == year], source)
    with app.app_context():
        db.session.remove()


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture()
def ctx(app):
    with app.app_context():
        yield
        db.session.remove()


@pytest.fixture()
def runner(app):
    return app.test_cli_runner()


@pytest.fixture()
def api(app, client, ctx):
    from tests.support import Api

    return Api(client)


@pytest.fixture()
def tick(runner):
    """Move the clock to a moment (or by a timedelta) and fire due timers, as `flask tick` does."""
    from datetime import timedelta

    def _tick(to=None):
        if isinstance(to, timedelta):
            clock.advance(to)
        elif to is not None:
            clock.set(to)
        result = runner.invoke(args=["tick"])
        assert result.exit_code == 0, result.output
        return result.output

    return _tick
