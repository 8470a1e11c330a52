"""The users a process test acts as: test users defined in the file (created inside the run,
so shipped tests do not depend on the accounts of an installation), else real users."""
from __future__ import annotations

from sqlalchemy import select

from app.core.clock import clock
from app.core.extensions import db
from app.designer.process_tests.reporting import StepFailed
from app.org.models import Department, User

_TEST_USER_PREFIX = "process-test."


def active_department(code: str, what: str) -> Department:
    """The active unit with this code. Raises StepFailed naming `what` when there is none."""
    department = db.session.scalar(select(Department).where(Department.code == code, Department.active.is_(True)))
    if department is None:
        raise StepFailed(f"{what} {code} 不存在")
    return department


class RunUsers:
    """The users a test case names: first its test users (created inside the run on first use, so
    shipped tests do not depend on the accounts of an installation), then the real active users."""

    def __init__(self, specs: dict):
        self.specs = specs
        self.known: dict[str, User] = {}

    def named(self, name: str) -> User:
        """The user called `name`. Raises StepFailed when there is none or it is deactivated."""
        if name in self.known:
            return self.known[name]
        spec = self.specs.get(name)
        if spec is not None:
            user = self._create(name, spec)
        else:
            user = db.session.scalar(select(User).where(User.username == name))
            if user is None:
                raise StepFailed(f"用户 {name} 不存在（可在测试文件的 users 中定义测试用户）")
            if not user.active:
                raise StepFailed(f"用户 {name} 已停用")
        self.known[name] = user
        return user

    @staticmethod
    def _create(name: str, spec: dict) -> User:
        department = active_department(spec["department"], f"测试用户 {name} 的单位")
        district = active_department(spec["district"], f"测试用户 {name} 的辖区") if spec.get("district") else None
        user = User(username=(_TEST_USER_PREFIX + name)[:60], full_name=spec.get("full_name") or f"测试用户 {name}"[:60],
                    password_hash="!", department=department, scope_district=district, active=True,
                    created_at=clock.now())
        user.set_roles(spec["roles"])
        db.session.add(user)
        db.session.flush()
        return user
