"""Notifications: who is told what, and the reading side of the notification centre.

The feeding functions (`task_assigned`, `task_reminder`, `task_overdue`, `case_decision`) run
inside the caller's transaction (an engine step, a timer): they add rows and flush, never commit.
A notification for a user with an e-mail address who chose mail for each one (`mail_preference`
"email") also queues an `EmailOutbox` row, sent later by `app.notifications.mail.deliver_outbox`
(so a mail server that is down never fails a step); "digest" users get one mail a day
(`app.notifications.digest`), "in_app" users none. `settle_tasks` marks the notifications of tasks
that closed (completed, cancelled, claimed or reassigned away) read, in the caller's transaction.

Texts are written in the recipient's language (their `locale`) when the notification is created."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import joinedload

from app.cases.models import Case
from app.core.clock import LOCAL_TZ, clock
from app.core.errors import NotFound, ValidationFailed
from app.core.extensions import db
from app.notifications.models import EmailOutbox, Notification
from app.org.models import MAIL_PREFERENCES, ROLES, Department, User, UserRole
from app.core.pagination import Total, count_capped
from app.tasks.models import HumanTask
from app.tasks.routing import UNIT_ROLES, can_act_on, supervises, supervises_case
from app.core.transaction import unit_of_work

TITLE_MAX = 200  # Notification.title / EmailOutbox.subject


# --- who -------------------------------------------------------------------------------------

def _users_with_role(role: str, department_id: int | None = None) -> list[User]:
    query = (select(User).join(UserRole, UserRole.user_id == User.id).options(joinedload(User.role_rows))
             .where(User.active.is_(True), UserRole.role == role).order_by(User.id))
    if department_id is not None:
        query = query.where(User.department_id == department_id)
    return list(db.session.scalars(query).unique())


def eligible_users(task: HumanTask) -> list[User]:
    """Active users who may act on the task (its lane's role, in scope)."""
    department_id = task.department_id if task.role in UNIT_ROLES else None
    if task.role in UNIT_ROLES and department_id is None:
        return []
    return [u for u in _users_with_role(task.role, department_id) if can_act_on(u, task)]


def _task_recipients(task: HumanTask) -> list[User]:
    """The claimant of a claimed task; otherwise (or when the claimant was deactivated) everyone
    who may claim it."""
    claimant = task.claimed_by
    if claimant is not None and claimant.active:
        return [claimant]
    return eligible_users(task)


def _supervisors(task: HumanTask) -> list[User]:
    return [u for u in _users_with_role("supervisor") if supervises(u, task)]


def _decision_recipients(case: Case) -> list[User]:
    query = (select(User).join(UserRole, UserRole.user_id == User.id)
             .where(User.active.is_(True),
                    or_(and_(UserRole.role == "handler", User.department_id == case.subject_department_id),
                        and_(UserRole.role == "recorder", User.department_id == case.recording_department_id)))
             .order_by(User.id))
    return list(db.session.scalars(query))


# --- what ------------------------------------------------------------------------------------

def _deadline_day(due: datetime | None) -> str:
    """The last day of a deadline (it falls due at 00:00 of the next day), as the UI shows it."""
    return (due - timedelta(seconds=1)).astimezone(LOCAL_TZ).date().isoformat() if due else ""


def site_path(endpoint: str, **values) -> str:
    """A page of the site as a path, outside a request too (timers, tick, CLI)."""
    return current_app.url_map.bind("localhost").build(endpoint, values)


def link_path(case_id: int | None, task_id: int | None) -> str | None:
    """The page a notification points at, as a path (works outside a request: timers, CLI)."""
    if task_id is not None:
        return site_path("tasks.show", task_id=task_id)
    if case_id is not None:
        return site_path("cases.show", case_id=case_id)
    return None


def _t(text: str) -> str:
    """Translate a label that may be empty (gettext("") would return the catalog header)."""
    return _(text) if text else text


def locale_of(user: User) -> str:
    """The language texts for `user` are written in (their `locale`, else the default)."""
    languages = current_app.config.get("LANGUAGES", {})
    return user.locale if user.locale in languages else current_app.config["BABEL_DEFAULT_LOCALE"]


def _notify(users: Iterable[User], kind: str, case: Case, task: HumanTask | None,
            render: Callable[[], tuple[str, str]], *, new_task: bool = False,
            per_title: bool = False) -> list[Notification]:
    """One notification (and, with an address, one mail) per user, not twice for the same
    (user, kind, task) — or, with `per_title`, for the same (user, kind, task, title): a reminder
    or an overdue notice names the deadline in its title, so a deadline moved by a supervision
    letter or an extension is announced again (issue 15). `render` builds (title, body) and is
    called in each user's language. A task created in this step (`new_task`) has no notifications
    yet: nothing to look up (and `task_reassigned` tells the assignee again however often)."""
    seen: set[int] = set()
    sent_titles: set[tuple[int, str]] = set()
    if task is not None and not new_task:
        rows = db.session.execute(select(Notification.user_id, Notification.title).where(
            Notification.kind == kind, Notification.task_id == task.id)).all()
        if per_title:
            sent_titles = {(user_id, title) for user_id, title in rows}
        else:
            seen = {user_id for user_id, _title in rows}
    created: list[Notification] = []
    mails: list[tuple[Notification, str, str, str]] = []
    now = clock.now()
    path = link_path(case.id, task.id if task is not None else None)
    base = (current_app.config.get("PUBLIC_BASE_URL") or "").rstrip("/")
    for user in users:
        if user.id in seen:
            continue
        seen.add(user.id)
        with force_locale(locale_of(user)):
            title, body = render()
            title = title[:TITLE_MAX]
            if (user.id, title) in sent_titles:
                continue
            note = Notification(user_id=user.id, case_id=case.id, task_id=task.id if task is not None else None,
                                kind=kind, title=title, body=body, created_at=now)
            db.session.add(note)
            created.append(note)
            if user.email and user.mail_preference == "email":
                mail_body = body + ("\n\n" if body else "") + _("查看：%(link)s", link=base + path)
                mails.append((note, user.email, title, mail_body))
    db.session.flush()  # the notifications' ids, for the outbox rows
    for note, address, subject, mail_body in mails:
        db.session.add(EmailOutbox(notification_id=note.id, user_id=note.user_id, kind="notification",
                                   to_address=address, subject=subject, body=mail_body,
                                   status="pending", attempts=0, next_attempt_at=now, created_at=now))
    if mails:
        db.session.flush()
    return created


def _task_body(task: HumanTask, case: Case) -> str:
    lines = [_("案件：%(title)s", title=case.title), _("信用主体：%(subject)s", subject=case.subject_name)]
    if task.due_at is not None:
        lines.append(_("办理期限：%(day)s", day=_deadline_day(task.due_at)))
    return "\n".join(lines)


def _ready(task: HumanTask) -> tuple[HumanTask, Case]:
    if task.id is None:  # created in this step and not flushed yet
        db.session.flush()
    return task, db.session.get(Case, task.case_id)


def _open_tasks(case: Case, element: str) -> list[HumanTask]:
    return list(db.session.scalars(select(HumanTask).where(
        HumanTask.case_id == case.id, HumanTask.bpmn_id == element, HumanTask.status == "open")
        .order_by(HumanTask.id)))


# --- feeding (inside the caller's transaction) -------------------------------------------------

def task_assigned(task: HumanTask, *, new: bool = False) -> None:
    """A new task (`new`: created in this step) or a reassigned one: everyone who may act on it,
    or only its claimant. When nobody may (a unit without an active account of the lane's role),
    the supervisors over the case and the admins are told at once (`task.unstaffed`) rather than
    the task waiting unseen until its overdue notice (issue 20)."""
    task, case = _ready(task)

    def render():
        return (_("新任务：%(task)s（%(number)s）", task=_t(task.name), number=case.number), _task_body(task, case))

    recipients = _task_recipients(task)
    if recipients:
        _notify(recipients, "task.assigned", case, task, render, new_task=new)
    else:
        task_unstaffed(task, case, new=new)


def task_reassigned(task: HumanTask, assignee: User, by: User) -> None:
    """A supervisor (`by`) reassigned `task` to `assignee`: tell them, every time (an earlier "new
    task" notice of the same task may be long read)."""
    task, case = _ready(task)

    def render():
        return (_("改派给您的任务：%(task)s（%(number)s）", task=_t(task.name), number=case.number),
                _("改派人：%(name)s", name=by.full_name) + "\n" + _task_body(task, case))

    _notify([assignee], "task.assigned", case, task, render, new_task=True)


def task_unstaffed(task: HumanTask, case: Case, *, new: bool = False) -> None:
    """Nobody may act on `task`: tell the supervisors over the case and the admins, once per task,
    naming the unit and the role an account is missing for and what to do."""
    unit = db.session.get(Department, task.department_id).name if task.department_id is not None else ""

    def render():
        role = _t(ROLES.get(task.role, task.role))
        where = _("%(unit)s没有在用的“%(role)s”账号", unit=unit, role=role) if unit else \
            _("没有在用的“%(role)s”账号", role=role)
        return (_("任务无人可办：%(task)s（%(number)s）", task=_t(task.name), number=case.number),
                where + "\n" + _("请系统管理员为其开通账号（系统管理 › 用户），开通后即可认领。") + "\n"
                + _task_body(task, case))

    users = {u.id: u for u in _users_with_role("supervisor") if supervises_case(u, case)}
    users.update({u.id: u for u in _users_with_role("admin")})
    _notify(users.values(), "task.unstaffed", case, task, render, new_task=new)


def task_reminder(case: Case, element: str) -> None:
    """A deadline is near: the open tasks of this case at `element`."""
    for task in _open_tasks(case, element):
        def render(task=task):
            if task.due_at is None:
                title = _("期限提醒：%(task)s（%(number)s）即将到期", task=_t(task.name), number=case.number)
            else:
                title = _("期限提醒：%(task)s（%(number)s）将于 %(day)s 到期", task=_t(task.name),
                          number=case.number, day=_deadline_day(task.due_at))
            return title, _task_body(task, case)

        _notify(_task_recipients(task), "task.reminder", case, task, render, per_title=True)


def task_overdue(case: Case, element: str) -> None:
    """A deadline has passed: the people on the task and the supervisors who oversee it."""
    for task in _open_tasks(case, element):
        def render(task=task):
            if task.due_at is None:
                title = _("逾期督办：%(task)s（%(number)s）已逾期", task=_t(task.name), number=case.number)
            else:
                title = _("逾期督办：%(task)s（%(number)s）已超过办理期限 %(day)s", task=_t(task.name),
                          number=case.number, day=_deadline_day(task.due_at))
            body = _task_body(task, case)
            if task.claimed_by is not None:
                body += "\n" + _("认领人：%(name)s", name=task.claimed_by.full_name)
            return title, body

        recipients = {u.id: u for u in _task_recipients(task)}
        recipients.update({u.id: u for u in _supervisors(task) if u.id not in recipients})
        _notify(recipients.values(), "task.overdue", case, task, render, per_title=True)


def case_decision(case: Case, title: str, body: str = "") -> None:
    """A decision on the case: the subject unit's handlers and the recording unit's recorders.
    `title` is used as given (callers put the case number in it); not de-duplicated: the same
    decision may legitimately be taken twice (e.g. two repair applications refused)."""
    def render():
        lines = [_t(body)] if body else []
        if case.title not in body:
            lines.append(_("案件：%(title)s", title=case.title))
        if case.number not in title:
            lines.append(_("案件编号：%(number)s", number=case.number))
        return _t(title), "\n".join(lines)

    _notify(_decision_recipients(case), "case.decision", case, None, render)


def case_operation(case: Case, render: Callable[[], tuple[str, str]], *, units: bool = False) -> None:
    """A failed step blocked the case, or someone operated on it (retry, skip, suspend, resume,
    cancel): the supervisors over the case and the admins; with `units` also the subject unit's
    handlers and the recording unit's recorders (their tasks wait or end). `render` builds
    (title, body) in each recipient's language."""
    users = {u.id: u for u in _users_with_role("supervisor") if supervises_case(u, case)}
    users.update({u.id: u for u in _users_with_role("admin")})
    if units:
        users.update({u.id: u for u in _decision_recipients(case)})
    _notify(users.values(), "case.incident", case, None, render)


def settle_tasks(task_ids: Iterable[int], *, keep_user_id: int | None = None) -> None:
    """The tasks closed for their recipients (completed, cancelled by the engine or an operator,
    claimed or reassigned away): their unread notifications are marked read, except those of
    `keep_user_id` (the task's new holder). One UPDATE in the caller's transaction; nothing for
    no ids."""
    ids = [i for i in task_ids if i is not None]
    if not ids:
        return
    query = update(Notification).where(Notification.task_id.in_(ids), Notification.read_at.is_(None))
    if keep_user_id is not None:
        query = query.where(Notification.user_id != keep_user_id)
    db.session.execute(query.values(read_at=clock.now()).execution_options(synchronize_session=False))


# --- preferences (own transactions) ------------------------------------------------------------

def set_mail_preference(user: User, preference) -> User:
    """How `user` is told of notifications: a MAIL_PREFERENCES key ("in_app", "email", "digest").
    Mail needs an address (set by an admin): ValidationFailed (422) naming `mail_preference` for an
    unknown value, or for mail without an address. Choosing the digest starts it with today
    (Asia/Shanghai): days before were told as chosen then."""
    if preference not in MAIL_PREFERENCES:
        raise ValidationFailed(_("通知方式有误"), {"mail_preference": [
            _("通知方式必须是 %(values)s 之一", values=" / ".join(MAIL_PREFERENCES))]})
    if preference != "in_app" and not user.email:
        raise ValidationFailed(_("您还没有电子邮箱地址"), {"mail_preference": [
            _("邮件通知需要电子邮箱地址，请联系系统管理员在您的账号中填写")]})
    with unit_of_work():
        if preference == "digest" and user.mail_preference != "digest":
            user.digest_through = clock.today() - timedelta(days=1)
        user.mail_preference = preference
    return user


# --- reading (own transactions) ----------------------------------------------------------------

def unread_count(user: User) -> int:
    return db.session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == user.id, Notification.read_at.is_(None))) or 0


def list_for(user: User, *, page: int = 1, per_page: int = 20, unread_only: bool = False) -> tuple[list[Notification], Total]:
    """The user's own notifications, newest first; the total is counted up to the list cap."""
    query = select(Notification).where(Notification.user_id == user.id)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    page, per_page = max(1, page), max(1, per_page)
    total = count_capped(query, page, per_page)
    items = db.session.scalars(query.order_by(Notification.created_at.desc(), Notification.id.desc())
                               .offset((page - 1) * per_page).limit(per_page)).all()
    return list(items), total


def get_for(user: User, notification_id: int) -> Notification:
    note = db.session.get(Notification, notification_id)
    if note is None or note.user_id != user.id:
        raise NotFound(_("通知不存在"))
    return note


def mark_read(user: User, notification_id: int) -> Notification:
    with unit_of_work():
        note = get_for(user, notification_id)
        if note.read_at is None:
            note.read_at = clock.now()
    return note


def mark_all_read(user: User) -> int:
    with unit_of_work():
        result = db.session.execute(
            update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
            .values(read_at=clock.now()).execution_options(synchronize_session=False))
        count = result.rowcount or 0
    return count
