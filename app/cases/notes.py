"""Internal notes (批注) on a case (issue 14): any staff member who may see the case writes one,
outside any form. Notes are shown in the case file and its timeline (`note.added`), to staff only:
never on public pages, never in official documents."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.cases.models import Case, CaseNote
from app.cases.service import get_case
from app.cases.timeline import record_event
from app.core.clock import clock
from app.core.extensions import db
from app.core.i18n import N_, sentence
from app.core.inputs import required_text
from app.org.models import User
from app.core.transaction import unit_of_work

NOTE_MAX_CHARS = 2000


def check_text(text) -> str:
    """The note's text, cleaned (`app.core.inputs.clean_text`); ValidationFailed (422, field `text`)
    when it is not text, blank, longer than NOTE_MAX_CHARS characters or holds control or
    bidi-override characters (`app.core.inputs.required_text`)."""
    return required_text(text, "text", _("批注内容"), max_chars=NOTE_MAX_CHARS)


def add_note(user: User, case_id: int, text) -> CaseNote:
    """Add a note to a case the user may see (one transaction). NotFound (404) outside the user's
    scope; ValidationFailed (`check_text`)."""
    with unit_of_work():
        case = get_case(user, case_id)
        note = CaseNote(case_id=case.id, author_id=user.id, at=clock.now(), text=check_text(text))
        db.session.add(note)
        db.session.flush()
        record_event(case, "note.added", sentence(N_("%(actor)s 批注：%(text)s"), actor=user.full_name, text=note.text[:380]), {"note_id": note.id}, actor_id=user.id)
    return note


def for_case(case: Case) -> list[CaseNote]:
    """The case's notes, oldest first, with their authors."""
    return list(db.session.scalars(select(CaseNote).where(CaseNote.case_id == case.id)
                                   .options(joinedload(CaseNote.author)).order_by(CaseNote.at, CaseNote.id)))
