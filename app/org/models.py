from __future__ import annotations

from datetime import date, datetime

from flask_login import UserMixin
from sqlalchemy import Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from app.core.clock import clock
from app.core.db_types import UTCDateTime
from app.core.extensions import db
from app.core.i18n import N_

ROLES = {
    "recorder": N_("信息录入员"),
    "reviewer": N_("审核员"),
    "handler": N_("经办人"),
    "supervisor": N_("督导员"),
    "discipline": N_("纪检人事"),
    "designer": N_("流程设计员"),
    "rule_approver": N_("规则审批人"),
    "admin": N_("系统管理员"),
}

DEPARTMENT_KINDS = {"district": N_("区政府"), "municipal": N_("市级部门"), "agency": N_("市级机构")}

# How a user is told of a notification (issue 20): in the notification centre only, also by one
# e-mail each, or by one e-mail a day listing the day's notifications (Asia/Shanghai day).
MAIL_PREFERENCES = {"in_app": N_("仅站内通知"), "email": N_("每条通知发送邮件"), "digest": N_("每日汇总邮件")}


# Characters of a department's name and a user's full name: the columns, the admin service's
# checks and the API schemas (app/api/schemas.py) all read these.
DEPARTMENT_NAME_MAX, FULL_NAME_MAX, EMAIL_MAX = 120, 60, 120


class Department(db.Model):
    __tablename__ = "department"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(DEPARTMENT_NAME_MAX), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    # A department inside a district (e.g. a district bureau) points at the district government;
    # district-scoped reviewers and supervisors see cases of the whole district.
    district_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    active: Mapped[bool] = mapped_column(default=True)

    district: Mapped[Department | None] = relationship(remote_side=[id])

    @property
    def district_root_id(self) -> int | None:
        if self.kind == "district":
            return self.id
        return self.district_id


class CivilServant(db.Model):
    __tablename__ = "civil_servant"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    staff_number: Mapped[str] = mapped_column(String(40), unique=True)
    position: Mapped[str | None] = mapped_column(String(80))
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)

    department: Mapped[Department] = relationship()


class UserRole(db.Model):
    __tablename__ = "user_role"
    __table_args__ = (UniqueConstraint("user_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))


class User(UserMixin, db.Model):
    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(60), unique=True)
    full_name: Mapped[str] = mapped_column(String(FULL_NAME_MAX))
    password_hash: Mapped[str] = mapped_column(String(256))
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    # For reviewers and supervisors: None = city-wide, else limited to this district.
    scope_district_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    email: Mapped[str | None] = mapped_column(String(EMAIL_MAX))
    # A MAIL_PREFERENCES key; mail needs an address as well. The last day (Asia/Shanghai) whose
    # notifications a daily digest has covered (app.notifications.mail.queue_digests).
    mail_preference: Mapped[str] = mapped_column(String(10), default="email", server_default="email")
    digest_through: Mapped[date | None] = mapped_column(Date)
    locale: Mapped[str] = mapped_column(String(10), default="zh_CN")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    # Web sessions and API tokens carry the version they were issued under; a new password or a
    # change of `active` bumps it, which revokes every one of them at once (app/auth/service.py).
    auth_version: Mapped[int] = mapped_column(default=0)

    department: Mapped[Department] = relationship(foreign_keys=[department_id])
    scope_district: Mapped[Department | None] = relationship(foreign_keys=[scope_district_id])
    role_rows: Mapped[list[UserRole]] = relationship(cascade="all, delete-orphan", lazy="selectin")

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(r.role for r in self.role_rows)

    def has_role(self, role: str) -> bool:
        return role in self.roles

    def set_roles(self, roles) -> None:
        unknown = set(roles) - set(ROLES)
        if unknown:
            raise ValueError(f"unknown roles: {sorted(unknown)}")
        wanted = set(roles)
        # Rows of roles kept stay as they are: replacing them with new rows of the same (user,
        # role) would insert before the old ones are deleted and break the unique constraint.
        kept = [row for row in self.role_rows if row.role in wanted]
        self.role_rows = kept + [UserRole(role=r) for r in sorted(wanted - {row.role for row in kept})]

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # flask-login
        return self.active
