"""Demo data for development (`make run`): idempotent. The password is for development only."""
from __future__ import annotations

from sqlalchemy import select

from app.auth.passwords import DEMO_PASSWORD
from app.calendar.service import seed_from_package
from app.cases.models import Case
from app.core.extensions import db
from app.core.transaction import unit_of_work
from app.org.models import CivilServant, Department, User
from app.org.seed import seed_departments
from app.processes import deploy_workflows_dir

DEMO_USERS = [
    # username, full name, department code, roles
    ("admin", "系统管理员", "xyzx", ["admin"]),
    ("designer", "流程设计员 周敏", "xyzx", ["designer"]),
    ("approver", "规则审批人 吴芳", "xyzx", ["rule_approver"]),
    ("recorder", "信息录入员 王磊", "xyzx", ["recorder"]),
    ("reviewer", "审核员 李娜", "xyzx", ["reviewer"]),
    ("supervisor", "督导员 陈刚", "dcs", ["supervisor"]),
    ("handler.fgw", "经办人 张伟（市发展改革委）", "fgw", ["handler"]),
    ("handler.czj", "经办人 刘洋（市财政局）", "czj", ["handler"]),
    ("handler.pudong", "经办人 赵静（浦东新区）", "pudong", ["handler"]),
]
DEMO_SERVANTS = [("孙明", "CZ-2019-0107", "预算处副处长", "czj"), ("周华", "PD-2016-0311", "建设和交通委科长", "pudong")]


def _department(code: str) -> Department:
    return db.session.scalar(select(Department).where(Department.code == code))


def seed_reference_data() -> list[str]:
    """Departments, calendar and processes — needed by every installation."""
    lines = []
    with unit_of_work():
        added = seed_departments()
    lines.append(f"单位：新增 {added} 个")
    years = seed_from_package()
    lines.append("工作日历：" + (f"导入 {years[0]}–{years[-1]} 年" if years else "已是最新"))
    for key, number, created in deploy_workflows_dir():
        lines.append(f"流程 {key}：第 {number} 版" + ("（新部署）" if created else ""))
    return lines


def seed_demo() -> list[str]:
    lines = seed_reference_data()
    with unit_of_work():
        for username, full_name, dept, roles in DEMO_USERS:
            if db.session.scalar(select(User).where(User.username == username)) is None:
                user = User(username=username, full_name=full_name, department=_department(dept))
                user.set_password(DEMO_PASSWORD)
                user.set_roles(roles)
                db.session.add(user)
        for name, staff, position, dept in DEMO_SERVANTS:
            if db.session.scalar(select(CivilServant).where(CivilServant.staff_number == staff)) is None:
                db.session.add(CivilServant(name=name, staff_number=staff, position=position,
                                            department=_department(dept)))
    if db.session.scalar(select(Case.id).limit(1)) is None:
        from app.demo_cases import create_demo_cases

        lines += create_demo_cases()
    lines.append("")
    lines.append(f"演示账号（密码均为 {DEMO_PASSWORD}，仅限开发环境）：")
    lines += [f"  {u:<16} {n}" for u, n, _, _ in DEMO_USERS]
    return lines
