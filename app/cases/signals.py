"""What the case domain announces (blinker signals). The case domain sends; the package that reacts
(notifications, today) connects a receiver in its `register_actions()`, which the app factory calls.
So the case domain depends on no package that reacts to it: new reactions (publication feeds,
sanctions) connect here instead of growing `cases`. The import contract "cases-announce"
(pyproject.toml) keeps `app.cases` from importing `app.notifications`."""
from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

# A case's status changed to a decision the units concerned should hear about (returned,
# confirmed, published…). Sender: the `Case`; keyword arguments `title` (the case number and the
# new status, zh-CN) and `body` (the case title). Sent inside the step's transaction: a receiver
# adds rows and flushes, never commits.
case_decided = _signals.signal("case-decided")

# The publication period of a record was set (the `publish` script's `set_publication`). Sender: the
# `Case`; keyword arguments `start`, `end` (dates: the first day shown, the first day no longer
# shown). Inside the step's transaction, like every signal here.
publication_set = _signals.signal("publication-set")

# Publication ended before or at the end of its period. Sender: the `Case`; keyword arguments
# `reason` ("expiry" | "repair" | "revocation" | "deletion") and `on` (date).
publication_ended = _signals.signal("publication-ended")

# Fields of a record were corrected (`correct_record`). Sender: the `Case`; keyword argument
# `changes` ({field: {"from", "to"}}).
record_corrected = _signals.signal("record-corrected")
