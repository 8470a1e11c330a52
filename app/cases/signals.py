"""What the case domain announces to the floors above it (blinker signals). The case domain sends;
a higher package connects a receiver in its `register_actions()`, which the app factory calls, so
no case module imports the package that reacts."""
from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

# A case's status changed to a decision the units concerned should hear about (returned,
# confirmed, published…). Sender: the `Case`; keyword arguments `title` (the case number and the
# new status, zh-CN) and `body` (the case title). Sent inside the step's transaction: a receiver
# adds rows and flushes, never commits.
case_decided = _signals.signal("case-decided")
