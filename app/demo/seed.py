"""Demo accounts, civil servants and cases for development (`make run`, `flask --app wsgi seed-demo`):
idempotent. The password is for development only."""
from __future__ import annotations

from sqlalchemy import select

from app.auth.passwords import DEMO_PASSWORD
from app.cases.models import Case
from app.core.extensions import db
from app.core.transaction import unit_of_work
from app.demo.cases import create_demo_cases
from app.demo.reference_data import seed_reference_data
from app.org.models import CivilServant, Department, User

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
    ("discipline.fgw", "纪检人事 黄磊（市发展改革委）", "fgw", ["discipline"]),
    # 联动奖惩实施单位: each gets the measures the rules give its unit (sanction_measures)
    ("implementer.xyzx", "联动实施 郑洁（市信用中心）", "xyzx", ["implementer"]),
    ("implementer.czj", "联动实施 孙丽（市财政局）", "czj", ["implementer"]),
    ("implementer.rsj", "联动实施 钱军（市人力资源社会保障局）", "rsj", ["implementer"]),
]
DEMO_SERVANTS = [("孙明", "CZ-2019-0107", "预算处副处长", "czj"), ("周华", "PD-2016-0311", "建设和交通委科长", "pudong")]


def _department(code: str) -> Department:
    return db.session.scalar(select(Department).where(Department.code == code))


def seed_demo() -> list[str]:
    """Reference data, the demo accounts and civil servants, and (on an installation without cases)
    the demo cases; returns the lines to print."""
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
        lines += create_demo_cases()
    lines.append("")
    lines.append(f"演示账号（密码均为 {DEMO_PASSWORD}，仅限开发环境）：")
    lines += [f"  {u:<16} {n}" for u, n, _, _ in DEMO_USERS]
    return lines
