"""Timer events on the product clock (`app.core.clock`), wherever they sit: intermediate and boundary
events, event sub-process starts, cycles, and the timers an event-based gateway waits on (Spiff
folds those into one MultipleEventDefinition on the gateway). Swapped in for Spiff's own timer
definitions right after parsing and again when a stored spec is loaded, so tests and `tick --now`
move every kind the same way, and each waiting timer is reported for `next_timer_at`.

A date or date-time without an offset means Asia/Shanghai (the product's zone), whatever the
host's zone: Spiff would read it in the OS zone, 8 h late on a UTC host (issue 15)."""
from __future__ import annotations

import ast
from datetime import date, datetime, timedelta, timezone

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    DurationTimerEventDefinition,
    TimeDateEventDefinition,
    TimerEventDefinition,
)
from SpiffWorkflow.bpmn.util import PendingBpmnEvent
from SpiffWorkflow.bpmn.util.event import BpmnEvent
from SpiffWorkflow.exceptions import SpiffWorkflowException

from app.core.clock import LOCAL_TZ, clock


class TimerValueError(ValueError):
    """A timer's expression gave a value that is not a date, duration or repeating interval
    (the message, in Chinese, names the value and what was expected)."""


def guarded(my_task, compute):
    """Run `compute()` for a timer task; a value it cannot use (TimerValueError, or anything the
    engine library's own parsing raises) becomes the engine's task error naming the timer, so a
    step fails as an incident or a 422 like a failing script (issue 15 attack: a date field
    holding text answered 500 and stopped `tick` for every other case)."""
    try:
        return compute()
    except SpiffWorkflowException:
        raise
    except Exception as exc:  # noqa: BLE001 - Spiff's duration parser raises bare Exception
        cause = exc if isinstance(exc, TimerValueError) else TimerValueError(f"定时器的值无效：{exc}")
        raise WorkflowTaskException(str(cause), task=my_task, exception=cause) from cause


def parse_instant(value) -> datetime:
    """An ISO 8601 date, date-time or week date (str, or a date/datetime a script returned) as an
    aware UTC datetime. No offset: Asia/Shanghai; a date alone: 00:00 Shanghai of that day.
    Raises TimerValueError (a ValueError) with a Chinese message for anything else."""
    if isinstance(value, datetime):
        when = value
    elif isinstance(value, date):
        when = datetime.combine(value, datetime.min.time())
    elif isinstance(value, str):
        try:  # Python 3.11 reads dates, date-times and week dates (2026-W44-5)
            when = datetime.fromisoformat(value.strip())
        except ValueError:
            raise TimerValueError(f"定时器的时间不是有效的 ISO 8601 日期或时间：{value!r}") from None
    else:
        raise TimerValueError(f"定时器表达式必须得到日期时间字符串，而不是 {type(value).__name__}")
    if when.tzinfo is None:
        when = when.replace(tzinfo=LOCAL_TZ)
    return when.astimezone(timezone.utc)


def has_offset(value: str) -> bool:
    """True when an ISO date-time string names its zone (Z or ±hh:mm)."""
    try:
        return datetime.fromisoformat(value.strip()).tzinfo is not None
    except ValueError:
        return False


def _parse_duration(expression) -> dict:
    try:
        return TimerEventDefinition.parse_iso_duration(str(expression).strip())
    except Exception:  # noqa: BLE001 - Spiff raises bare Exception('Invalid duration')
        raise TimerValueError(f"定时器的时长不是有效的 ISO 8601 时长（例如 'P5D'、'PT2H'）：{expression!r}") from None




def literal_problem(kind: str, source: str) -> str | None:
    """Why a timer expression that holds no variable can never give a usable value, checked at
    deploy (None when it can, or when it reads variables: those are checked when they run).
    `kind`: timeDate, timeDuration or timeCycle. Catches what bpmn-js invites: `P5D` or
    `2026-10-30` without quotes (a name nobody sets, a subtraction), and quoted values that are
    no ISO 8601 date, duration or repeating interval."""
    try:
        tree = ast.parse((source or "").strip(), mode="eval").body
    except SyntaxError:
        return None  # reported by the sandbox's compile check
    if isinstance(tree, ast.Name) and len(tree.id) > 1 and tree.id.upper().startswith("P") and _is_duration(tree.id):
        return f"定时器表达式是 Python 表达式，文字要加引号：应写成 '{tree.id}'"
    if isinstance(tree, ast.Constant) and isinstance(tree.value, str):
        try:
            if kind == "timeDuration":
                _parse_duration(tree.value)
            elif kind == "timeCycle":
                parse_recurring_interval(tree.value)
            else:
                parse_instant(tree.value)
        except TimerValueError as exc:
            return str(exc)
        return None
    if not any(isinstance(n, (ast.Name, ast.Call, ast.Subscript, ast.Attribute)) for n in ast.walk(tree)):
        return (f"定时器表达式 {source.strip()} 只含数字和运算，得到的不是日期或时长：日期和时长要加引号，"
                "例如 '2026-10-30'、'P5D'")
    return None


def _is_duration(text: str) -> bool:
    try:
        _parse_duration(text)
    except TimerValueError:
        return False
    return True


def _duration_from(expression: str, start: datetime) -> datetime:
    parsed = _parse_duration(expression)
    return start + TimerEventDefinition.get_timedelta_from_start(parsed, start)


def due_at(definition: TimerEventDefinition, my_task) -> datetime:
    """When a date or duration timer falls due (UTC), evaluated now on the product clock."""
    value = my_task.workflow.script_engine.evaluate(my_task, definition.expression)
    if isinstance(definition, DurationTimerEventDefinition):
        if not isinstance(value, str):
            raise TimerValueError(f"定时器表达式必须得到 ISO 8601 时长字符串，而不是 {type(value).__name__}")
        return _duration_from(value, clock.now())
    return parse_instant(value)


def _fired(my_task, key: str, definition) -> bool:
    """Shared by the date and duration timers: compute the due time once, fire when it passed.
    The moment it was planned is kept, so a calendar correction can plan it again (`replan`)."""
    event_value = my_task._get_internal_data(key)
    if event_value is None:
        event_value = guarded(my_task, lambda: due_at(definition, my_task)).isoformat()
        my_task._set_internal_data(**{key: event_value, "planned_at": clock.now().isoformat()})
    return parse_instant(event_value) <= clock.now()


def postpone(my_task, delta: timedelta) -> bool:
    """Move a waiting timer task's due times later by `delta` (a suspension's length: time the
    unit could not act does not count). Returns whether anything moved; fired timers stay."""
    definition = getattr(my_task.task_spec, "event_definition", None)
    if my_task._get_internal_data("event_fired", False):
        return False
    if isinstance(definition, (ClockTimeDateEventDefinition, ClockDurationTimerEventDefinition)):
        old = my_task._get_internal_data("event_value")
        if old is None:
            return False
        my_task._set_internal_data(event_value=(parse_instant(old) + delta).isoformat())
        return True
    if isinstance(definition, ClockMultipleEventDefinition) and not my_task.internal_data.get("seen_events"):
        due = my_task._get_internal_data("timer_due") or []
        my_task._set_internal_data(timer_due=[(parse_instant(d) + delta).isoformat() if d else None for d in due])
        return any(due)
    if isinstance(definition, ClockCycleTimerEventDefinition):
        value = my_task._get_internal_data("event_value")
        if value and value.get("cycles"):
            value["next"] = (datetime.fromisoformat(value["next"]) + delta).isoformat()
            my_task._set_internal_data(event_value=value)
            return True
    return False


def replan(my_task, fallback_planned_at: datetime | None) -> list[tuple[str, str]]:
    """Evaluate a waiting timer task's due times again as of when they were first planned (a
    working-day deadline then reads the corrected calendar). Returns (old, new) ISO pairs of the
    due times that moved; timers already fired are left alone. `fallback_planned_at`: for state
    saved before planning times were kept (the start of the task a boundary timer is on)."""
    definition = getattr(my_task.task_spec, "event_definition", None)
    planned = my_task._get_internal_data("planned_at")
    when = datetime.fromisoformat(planned) if planned else fallback_planned_at
    if when is None or my_task._get_internal_data("event_fired", False):
        return []
    moved = []
    with clock.travel(when):
        if isinstance(definition, (ClockTimeDateEventDefinition, ClockDurationTimerEventDefinition)):
            old = my_task._get_internal_data("event_value")
            new = guarded(my_task, lambda: due_at(definition, my_task)).isoformat() if old is not None else None
            if old is not None and parse_instant(new) != parse_instant(old):
                my_task._set_internal_data(event_value=new)
                moved.append((old, new))
        elif isinstance(definition, ClockMultipleEventDefinition) and not my_task.internal_data.get("seen_events"):
            old_due = my_task._get_internal_data("timer_due") or []
            new_due = guarded(my_task, lambda: [_first_due(d, my_task) if old is not None else None
                                                for d, old in zip(definition.event_definitions, old_due)])
            moved = [(o, n) for o, n in zip(old_due, new_due) if o is not None and parse_instant(n) != parse_instant(o)]
            if moved:
                my_task._set_internal_data(timer_due=new_due)
    return moved


class ClockTimeDateEventDefinition(TimeDateEventDefinition):
    def has_fired(self, my_task):
        if _fired(my_task, "event_value", self):
            my_task._set_internal_data(event_fired=True)
        return my_task._get_internal_data("event_fired", False)


class ClockDurationTimerEventDefinition(DurationTimerEventDefinition):
    def has_fired(self, my_task):
        if _fired(my_task, "event_value", self):
            my_task._set_internal_data(event_fired=True)
        return my_task._get_internal_data("event_fired", False)


class ClockCycleTimerEventDefinition(CycleTimerEventDefinition):
    def cycle_complete(self, my_task):
        # Same algorithm as Spiff's, with the clock's "now" and Shanghai for offset-less starts.
        event_value = my_task._get_internal_data("event_value")
        if event_value is None:
            expression = my_task.workflow.script_engine.evaluate(my_task, self.expression)
            cycles, start, duration = guarded(my_task, lambda: parse_recurring_interval(expression))
            event_value = {"cycles": cycles, "next": start.isoformat(), "duration": duration.total_seconds()}
        ready = False
        if event_value["cycles"] != 0:
            next_event = datetime.fromisoformat(event_value["next"])
            now, period = clock.now(), timedelta(seconds=event_value["duration"])
            if next_event <= now:
                # Cycles missed while nothing ticked (an outage, a clock moved forward) fire once,
                # not one after another: the next one is the first still ahead (issue 15 attack:
                # an hourly cycle 10 days behind fired 240 times in one tick).
                if period > timedelta(0) and next_event + period <= now:
                    next_event += ((now - next_event) // period) * period
                event_value["next"] = (next_event + period).isoformat()
                event_value["cycles"] -= 1
                ready = True
        else:
            my_task.internal_data.pop("event_value", None)
            my_task.internal_data["event_fired"] = True
        my_task._set_internal_data(event_value=event_value)
        return ready


def parse_recurring_interval(expression: str) -> tuple[int, datetime, timedelta]:
    """`R[n]/start/duration`, `R[n]/duration/end` or `R[n]/duration` → (cycles, first, period);
    cycles -1 = unbounded; offset-less instants are Shanghai; "now" is the product clock.
    Raises TimerValueError for anything else."""
    if not isinstance(expression, str) or not expression.strip().upper().startswith("R"):
        raise TimerValueError(f"循环定时器不是有效的 ISO 8601 重复区间（例如 'R3/PT1H'）：{expression!r}")
    parts = expression.strip().upper().replace("--", "/")[1:].split("/")
    if parts[0] and not parts[0].isdigit():
        raise TimerValueError(f"循环定时器不是有效的 ISO 8601 重复区间（例如 'R3/PT1H'）：{expression!r}")
    cycles = int(parts[0]) if parts[0] else -1
    if len(parts) == 3 and not parts[1].startswith("P"):
        start = parse_instant(parts[1])
        return cycles, start, _duration_from(parts[2], start) - start
    if len(parts) == 3:
        end = parse_instant(parts[2])
        parsed = _parse_duration(parts[1])
        period = TimerEventDefinition.get_timedelta_from_end(parsed, end)
        return cycles, end - period, period
    if len(parts) == 2:
        now = clock.now()
        first = _duration_from(parts[1], now)
        return cycles, first, first - now
    raise TimerValueError(f"循环定时器不是有效的 ISO 8601 重复区间（例如 'R3/PT1H'）：{expression!r}")


class ClockMultipleEventDefinition(MultipleEventDefinition):
    """The events an event-based gateway (or a multiple event) waits on. Spiff's own version lets
    its timers share one `event_value`, so the second timer reuses the first one's due time, and
    reports no due time for `tick`. Here each timer's due time is kept by position; when several
    have passed (tick was down), only the earliest fires — one path, as if on time."""

    def _due_times(self, my_task) -> list[str | None]:
        due = my_task._get_internal_data("timer_due")
        if due is None:
            due = guarded(my_task, lambda: [_first_due(d, my_task) for d in self.event_definitions])
            my_task._set_internal_data(timer_due=due, planned_at=clock.now().isoformat())
        return due

    def has_fired(self, my_task):
        seen = my_task.internal_data.get("seen_events", [])
        if seen and not self.parallel:
            return True
        due = self._due_times(my_task)
        now = clock.now()
        passed = sorted((parse_instant(when), i) for i, when in enumerate(due)
                        if when is not None and parse_instant(when) <= now)
        seen_definitions = [event.event_definition for event in seen]
        for _, i in passed if self.parallel else passed[:1]:
            definition = self.event_definitions[i]
            if definition not in seen_definitions:
                seen.append(BpmnEvent(definition))
        my_task.internal_data["seen_events"] = seen
        if self.parallel:
            return all(d in [e.event_definition for e in seen] for d in self.event_definitions)
        return len(seen) > 0

    def reset(self, my_task):
        my_task.internal_data.pop("timer_due", None)
        super().reset(my_task)

    def details(self, my_task):
        due = [w for w in (my_task._get_internal_data("timer_due") or []) if w is not None]
        return PendingBpmnEvent(self.name, self.__class__.__name__, min(due, key=parse_instant) if due else None)


def _is_date_or_duration(definition) -> bool:
    return isinstance(definition, (TimeDateEventDefinition, DurationTimerEventDefinition))


def _first_due(definition, my_task) -> str | None:
    """When a timer an event-based gateway waits on falls due (ISO, UTC); None for other events.
    A cycle counts by its first occurrence: the gateway takes one path once (issue 15 attack: a
    cycle after an event-based gateway never fired, the branch was dead). `R0/…` never fires."""
    if _is_date_or_duration(definition):
        return due_at(definition, my_task).isoformat()
    if isinstance(definition, CycleTimerEventDefinition):
        expression = my_task.workflow.script_engine.evaluate(my_task, definition.expression)
        cycles, first, _period = parse_recurring_interval(expression)
        return first.isoformat() if cycles != 0 else None
    return None


REPLACEMENTS = {
    TimeDateEventDefinition: ClockTimeDateEventDefinition,
    DurationTimerEventDefinition: ClockDurationTimerEventDefinition,
    CycleTimerEventDefinition: ClockCycleTimerEventDefinition,
    MultipleEventDefinition: ClockMultipleEventDefinition,
}
TIMER_CLASSES = (ClockTimeDateEventDefinition, ClockDurationTimerEventDefinition, ClockCycleTimerEventDefinition)


def use_clock(event_definition):
    """The clock-aware equivalent of a parsed event definition; the definitions a multiple one
    holds are replaced too. Others are returned unchanged."""
    cls = REPLACEMENTS.get(type(event_definition))
    if cls is None:
        return event_definition
    if cls is ClockMultipleEventDefinition:
        clone = cls([use_clock(d) for d in event_definition.event_definitions], event_definition.parallel,
                    name=event_definition.name, description=event_definition.description)
    else:
        clone = cls(event_definition.name, event_definition.expression, description=event_definition.description)
    return clone


def clock_timers(specs) -> None:
    """Put every task spec's timers (of process and sub-process specs) on the product clock."""
    for spec in specs:
        for task_spec in spec.task_specs.values():
            if hasattr(task_spec, "event_definition"):
                task_spec.event_definition = use_clock(task_spec.event_definition)


def uses_wall_clock(event_definition) -> bool:
    """True when a definition (or one it holds) is a timer that would read the wall clock."""
    nested = getattr(event_definition, "event_definitions", None)
    if nested is not None:
        return any(uses_wall_clock(d) for d in nested)
    return isinstance(event_definition, TimerEventDefinition) and not isinstance(event_definition, TIMER_CLASSES)
