"""What BPMN scripts and expressions may call: a small whitelist of helpers (dates, working days)
plus the domain actions registered by the application (e.g. `set_record_status`).
The same names are used to compile at deploy time and to run, so a typo is refused on deploy."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from collections.abc import Collection
from typing import Any, Callable

from app.calendar.service import add_working_days as _add_working_days
from app.calendar.service import working_day_before as _working_day_before
from app.core.clock import LOCAL_TZ, clock, local_midnight_after
from app.core.i18n import N_


class ActionError(Exception):
    """Raised by a domain action to refuse a step with a clear message; passes the sandbox unchanged."""

    sandbox_passthrough = True


@dataclass(frozen=True)
class Action:
    name: str
    func: Callable[..., Any]  # func(subject, *args) — subject is the case the instance belongs to
    label: str  # Chinese label shown to designers
    params: tuple[str, ...] = ()


@dataclass
class Bindings:
    """What an instance's scripts see of the outside world, re-attached after every deserialize."""

    subject: Any = None  # the domain object (a case) actions operate on
    # Reads the subject's fields afresh; exposed to every expression and script as `case`, so a
    # gateway sees what an action earlier in the same step changed (issue 15, "fresh values").
    fields: Callable[[], dict[str, Any]] = dict

    def case_view(self) -> dict[str, Any]:
        """A fresh copy of the subject's fields (a copy: scripts cannot write through it)."""
        return dict(self.fields())


ACTIONS: dict[str, Action] = {}


def register_action(name: str, func: Callable[..., Any], label: str, params: tuple[str, ...] = ()) -> None:
    ACTIONS[name] = Action(name, func, label, params)


def parse_date(value) -> date:
    """A calendar day from a date, an ISO date/date-time string (its first 10 characters) or a datetime
    (its Asia/Shanghai day); ActionError when it is none of these."""
    if isinstance(value, datetime):
        return value.astimezone(LOCAL_TZ).date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise ActionError(f"不是有效日期：{value!r}") from None


def _int(value, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or int(value) != value:
        raise ActionError(f"{what}必须是整数，而不是 {value!r}")
    return int(value)


def today() -> str:
    return clock.today().isoformat()


def now() -> str:
    return clock.now().isoformat()


def add_working_days(day, n) -> str:
    return _add_working_days(parse_date(day), _int(n, "工作日数")).isoformat()


def working_days_deadline(n) -> str:
    """When a deadline of n working days from today falls due (end of that day, Shanghai), as ISO."""
    return local_midnight_after(_add_working_days(clock.today(), _int(n, "工作日数"))).isoformat()


def end_of_day(day) -> str:
    return local_midnight_after(parse_date(day)).isoformat()


def start_of_day(day) -> str:
    """The instant a local day begins (00:00 Shanghai), as ISO: when a period "until day D" ends."""
    return datetime.combine(parse_date(day), datetime.min.time(), LOCAL_TZ).isoformat()


def reminder_time(deadline, n) -> str:
    """When to remind "n working days before" a deadline (an instant such as
    `working_days_deadline(5)`: the end of its last day D, Shanghai): the start (00:00) of the
    n-th working day before D, as ISO — so a 1-working-day reminder arrives the working day before
    the due day, not on it (issue 15). n == 0: the start of D."""
    when = deadline if isinstance(deadline, datetime) else _instant(deadline)
    last_day = (when - timedelta(seconds=1)).astimezone(LOCAL_TZ).date()
    return start_of_day(_working_day_before(last_day, _int(n, "工作日数")))


def _instant(value) -> datetime:
    try:
        when = datetime.fromisoformat(str(value))
    except ValueError:
        raise ActionError(f"不是有效时间：{value!r}") from None
    return when if when.tzinfo else when.replace(tzinfo=LOCAL_TZ)


def add_months(day, n) -> str:
    d, n = parse_date(day), _int(n, "月数")
    month0 = d.month - 1 + n
    year, month = d.year + month0 // 12, month0 % 12 + 1
    from calendar import monthrange

    return date(year, month, min(d.day, monthrange(year, month)[1])).isoformat()


DecideHook = Callable[[str, dict, date], tuple[Any, dict]]
_decision_hooks: dict[str, Callable] = {}


def register_decision_hook(decide: DecideHook, keys: Callable[[], Collection[str]]) -> None:
    """Called once by the application factory: `decide(key, inputs, on) -> (outputs, provenance)`
    takes a decision with the table version in force on day `on` (raising a DomainError when it
    cannot); `keys()` lists the known decision keys (checked when a process is deployed)."""
    _decision_hooks["decide"], _decision_hooks["keys"] = decide, keys


def known_decisions() -> frozenset[str]:
    """The decision keys a business rule task may name (empty when no rules are registered)."""
    keys = _decision_hooks.get("keys")
    return frozenset(keys()) if keys else frozenset()


def take_decision(key: str, inputs: dict, on: date) -> tuple[Any, dict]:
    """(outputs, provenance) of decision `key` for `inputs` on day `on`, through the registered hook."""
    hook = _decision_hooks.get("decide")
    if hook is None:
        raise ActionError("没有接入规则服务，无法按决策表决策")
    if not isinstance(key, str) or not isinstance(inputs, dict):
        raise ActionError("decide(决策表, 输入字典[, 日期])：决策表是字符串，输入是字典")
    return hook(key, inputs, on)


def decide(key, inputs, on=None):
    """Outputs of decision table `key` for `inputs` with the version in force on `on` (default today).
    A business rule task does the same and also records the version and row on the case's timeline."""
    return take_decision(key, inputs, parse_date(on) if on is not None else clock.today())[0]


HELPERS: dict[str, Callable[..., Any]] = {
    "today": today,
    "now": now,
    "add_working_days": add_working_days,
    "working_days_deadline": working_days_deadline,
    "end_of_day": end_of_day,
    "start_of_day": start_of_day,
    "add_months": add_months,
    "reminder_time": reminder_time,
    "decide": decide,
}

# Helpers whose answer changes as time passes (a condition using them can turn true with no step).
READS_CLOCK = frozenset({"today", "now", "working_days_deadline", "decide"})  # decide: the version in force today

HELPER_LABELS = {
    "today": N_("今天的日期（上海时间）"),
    "now": N_("当前时间"),
    "add_working_days": N_("某日之后第 n 个工作日"),
    "working_days_deadline": N_("从今天起 n 个工作日的期限（当日结束时）"),
    "end_of_day": N_("某日结束的时刻"),
    "start_of_day": N_("某日开始的时刻"),
    "add_months": N_("某日加 n 个月"),
    "reminder_time": N_("期限前 n 个工作日的提醒时刻（该工作日开始时）"),
    "decide": N_("按决策表决策：decide('决策表', {输入}, 日期) 得到输出（日期缺省为今天）"),
}


def callable_names() -> frozenset[str]:
    """Every function name a BPMN script may call."""
    return frozenset(HELPERS) | frozenset(ACTIONS)


def namespace_for(bindings: Bindings) -> dict[str, Any]:
    """Helpers and actions bound to one instance's subject (`case` is added per evaluation by
    the script environment, see `Bindings.case_view`)."""
    ns: dict[str, Any] = dict(HELPERS)
    for action in ACTIONS.values():
        ns[action.name] = _bind(action, bindings)
    return ns


def _bind(action: Action, bindings: Bindings):
    def bound(*args):
        return action.func(bindings.subject, *args)

    bound.__name__ = action.name
    return bound
