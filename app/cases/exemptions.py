"""免责容错 (policy §二(一)4): the catalogue of grounds a recorded unit may claim in its objection
or answer is data — the decision table `exemption_grounds` (workflows/rules/), edited by designers
and published by a rule approver like every rule — so a new ground needs no release. A claim names
one ground (`exemption_ground`, a form field with `"x-source": "exemption_grounds"`) and explains
it; the reviewer decides (免责不予记录, 从轻惩戒, 免于惩戒 or refused) with reasons, and the
outcome lands on the case (`punishment_level`) for the sanction step to honour."""
from __future__ import annotations

from app import forms
from app.core.clock import clock
from app.core.errors import NotFound
from app.org import service as org
from app.rules import service as rules

TABLE = "exemption_grounds"


def grounds() -> list[tuple[str, str]]:
    """[(ground code, label)] of the catalogue in force today (the municipal rows: the table's
    `district` input is ""). Empty when the table is not deployed."""
    try:
        decided = rules.decide(TABLE, {"district": ""}, on=clock.today())
    except NotFound:
        return []
    rows = decided.outputs if isinstance(decided.outputs, list) else [decided.outputs]
    return [(str(row.get("ground")), str(row.get("label"))) for row in rows if row.get("ground")]


def register() -> None:
    """Offer the catalogue to forms (`x-source: exemption_grounds`): shown as choices on the page
    and in the API's schema, and checked on submission (called once by the app factory)."""
    forms.register_choice_source(TABLE, grounds)
    org.SOURCES[TABLE] = lambda _within=None: grounds()
