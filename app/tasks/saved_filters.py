"""Saved filters (保存的筛选): a user's named searches of the inbox and the case list, kept as the
page's query string and applied by opening the page with it. Each user sees and deletes only
their own; one transaction per action."""
from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from flask_babel import gettext as _
from sqlalchemy import func, select

from app.core.clock import clock
from app.core.errors import NotFound, ValidationFailed
from app.core.extensions import db
from app.core.inputs import required_text, text_refusal
from app.core.transaction import unit_of_work
from app.org.models import User
from app.tasks.models import SAVED_FILTER_NAME_MAX, SAVED_FILTER_QUERY_MAX, SavedFilter

# The pages a filter can be saved for, with the query parameters each one reads (in this order).
PAGES = {
    "inbox": ("tab", "q", "process", "area", "department", "overdue"),
    "cases": ("q", "subject", "status", "area", "created_from", "created_to"),
}
KEPT_NOT_FILTERING = {"tab"}  # saved with a filter (which inbox tab it was made on), not one by itself
PER_PAGE_MAX = 30  # saved filters per user and page


def _page(page) -> str:
    if page not in PAGES:
        message = _("page 必须是 %(values)s 之一", values=" / ".join(PAGES))
        raise ValidationFailed(message, {"page": [message]})
    return page


def page_query(page: str, query) -> str:
    """The query string of `page`'s own filters in `query` (a leading `?` allowed): each known
    parameter once, blank ones and others (`page=`, `offer=`, unknown names) dropped, in the
    page's order; "" when none is set."""
    raw = query if isinstance(query, str) else ""
    values: dict[str, str] = {}
    for key, value in parse_qsl(raw.lstrip("?"), keep_blank_values=False):
        if key in PAGES[page] and key not in values and value.strip():
            values[key] = value.strip()
    return urlencode([(key, values[key]) for key in PAGES[page] if key in values])


def normal_query(page: str, query) -> str:
    """`page_query`, checked for saving: ValidationFailed naming `query` when no filter is set
    (an inbox tab alone is none), it is too long or holds control characters."""
    normal = page_query(page, query)
    if not {key for key, _value in parse_qsl(normal)} - KEPT_NOT_FILTERING:
        problem = _("当前没有筛选条件可保存：请先设置筛选条件")
    elif len(normal) > SAVED_FILTER_QUERY_MAX:
        problem = _("筛选条件过长（上限 %(n)s 个字符）", n=SAVED_FILTER_QUERY_MAX)
    else:
        problem = text_refusal("".join(value for _key, value in parse_qsl(normal)), _("筛选条件"), multiline=False)
    if problem:
        raise ValidationFailed(problem, {"query": [problem]})
    return normal


def list_for(user: User, page: str | None = None) -> list[SavedFilter]:
    """The user's saved filters (of one page when given), by name."""
    query = select(SavedFilter).where(SavedFilter.user_id == user.id)
    if page is not None:
        query = query.where(SavedFilter.page == _page(page))
    return list(db.session.scalars(query.order_by(SavedFilter.page, SavedFilter.name, SavedFilter.id)))


def save(user: User, page, name, query) -> SavedFilter:
    """Save the filters of `query` on `page` under `name` (1–40 characters, unique per user and
    page; at most PER_PAGE_MAX per page). ValidationFailed naming `page`, `name` or `query`."""
    page = _page(page)
    name = required_text(name, "name", _("筛选名称"), max_chars=SAVED_FILTER_NAME_MAX, multiline=False)
    query = normal_query(page, query)
    with unit_of_work():
        mine = select(SavedFilter).where(SavedFilter.user_id == user.id, SavedFilter.page == page)
        if db.session.scalar(mine.where(SavedFilter.name == name).with_only_columns(SavedFilter.id)) is not None:
            message = _("已有名为“%(name)s”的筛选，请换一个名称或先删除原有的", name=name)
            raise ValidationFailed(message, {"name": [message]})
        if db.session.scalar(mine.with_only_columns(func.count())) >= PER_PAGE_MAX:
            message = _("每个页面最多保存 %(n)s 个筛选，请先删除不用的", n=PER_PAGE_MAX)
            raise ValidationFailed(message, {"name": [message]})
        saved = SavedFilter(user_id=user.id, page=page, name=name, query=query, created_at=clock.now())
        db.session.add(saved)
    return saved


def get(user: User, filter_id: int) -> SavedFilter:
    """One of the user's saved filters; NotFound (404) for anyone else's or a missing one."""
    saved = db.session.get(SavedFilter, filter_id)
    if saved is None or saved.user_id != user.id:
        raise NotFound(_("筛选不存在"))
    return saved


def delete(user: User, filter_id: int) -> SavedFilter:
    """Delete one of the user's saved filters (NotFound for others'); the deleted filter."""
    with unit_of_work():
        saved = get(user, filter_id)
        db.session.delete(saved)
    return saved
