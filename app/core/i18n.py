"""Translation support. The source language is Chinese; `translations/en` holds English.

`N_` marks a string for extraction without translating it where it is defined (labels in
dictionaries, translated where they are shown). `extract_process_strings` is a Babel extractor
for the labels that live in data files: forms/*.json (titles, help, option labels, x-confirm and
x-message messages), workflows/*.bpmn (element names) and workflows/rules/*.dmn (table names), so
the whole UI is translatable.

`tr` translates a value that comes from data. Templates use it for every non-literal: Jinja's
`_()` returns markup-safe text (it trusts its argument as a translator-written literal), so
`{{ _(name) }}` would put a designer's `<script>` into the page unescaped."""
from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field

from flask_babel import get_locale, gettext
from lxml import etree


def N_(text: str) -> str:  # noqa: N802 (gettext convention)
    return text


def reads_english() -> bool:
    """Whether the current reader reads English (the request's locale, or one forced); False
    outside any request or app context (the default language, Chinese)."""
    locale = get_locale()
    return locale is not None and locale.language == "en"


def tr(text: object) -> str:
    """A data value (BPMN name, form title or option label, a label from a code table) in the
    user's language: the catalogue's translation when there is one, else the text itself. Always a
    plain `str`, never markup, so templates escape it; None and '' give ''."""
    if text is None or text == "":
        return ""  # gettext("") would answer the catalogue's header
    return str(gettext(str(text)))


# How a list parameter of a Message is joined: its Chinese form, and the catalogue's for the reader.
_LIST_SEPARATOR = "、"


@dataclass(frozen=True)
class Message:
    """A sentence kept as its Chinese source (a catalogue msgid, marked with N_ where it is
    written) with its parameters, and said in the reader's language when it is read (issue 20:
    what the timeline recorded in Chinese is read in English by an English reader). `labels`
    names the parameters that are labels from data (a BPMN task name, a status, a role), shown
    with `tr`; the others (a person's name, a number, a date, free text) are shown as given. A
    parameter may be a list: its items are joined with "、" (", " in English)."""

    msgid: str
    params: dict = field(default_factory=dict)
    labels: tuple[str, ...] = ()

    def source(self) -> str:
        """The sentence in Chinese (what is stored as the event's summary)."""
        return self.msgid % {k: _LIST_SEPARATOR.join(map(str, v)) if isinstance(v, list) else v
                             for k, v in self.params.items()}

    def text(self) -> str:
        """The sentence in the reader's language (the request's locale)."""
        def shown(name, value):
            if isinstance(value, list):
                return gettext(_LIST_SEPARATOR).join(tr(v) if name in self.labels else str(v) for v in value)
            return tr(value) if name in self.labels else value
        return gettext(self.msgid, **{k: shown(k, v) for k, v in self.params.items()})

    def as_json(self) -> dict:
        return {"id": self.msgid, "params": self.params, "labels": list(self.labels)}

    @classmethod
    def from_json(cls, value) -> Message | None:
        """The message stored by as_json; None for anything else (an event written before)."""
        if not isinstance(value, dict) or not isinstance(value.get("id"), str) or not isinstance(value.get("params", {}), dict):
            return None
        return cls(value["id"], dict(value.get("params") or {}), tuple(value.get("labels") or ()))


def sentence(msgid: str, *, labels: Iterable[str] = (), **params) -> Message:
    """A Message: `sentence(N_("%(actor)s 办理：%(task)s"), actor=user.full_name, task=task.name,
    labels=("task",))`. Parameters are JSON values (dates as ISO text)."""
    return Message(msgid, params, tuple(labels))


def extract_process_strings(fileobj, keywords, comment_tags, options):
    """Babel extraction method: yields (lineno, funcname, message, comments)."""
    data = fileobj.read()
    name = getattr(fileobj, "name", "")
    if name.endswith(".json"):
        yield from ((0, None, text, []) for text in _form_strings(json.loads(data)))
    elif name.endswith((".bpmn", ".dmn")):  # element names; a decision table's name (timeline, rules pages)
        root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))
        for element in root.iter():
            label = element.get("name") if isinstance(element.tag, str) else None
            if label and not label.isascii():
                yield (element.sourceline or 0, None, label, [])


def _form_strings(schema: dict):
    for key in ("title", "description"):
        if isinstance(schema.get(key), str):
            yield schema[key]
    for label in schema.get("x-enum-labels", []):
        yield label
    confirm = schema.get("x-confirm")
    if isinstance(confirm, dict) and isinstance(confirm.get("message"), str):
        yield confirm["message"]  # asked in the browser before the choice is submitted
    for prop in (schema.get("properties") or {}).values():
        yield from _form_strings(prop)
    for branch in [schema] + [b for b in schema.get("allOf") or () if isinstance(b, dict)]:
        then = branch.get("then")
        if isinstance(then, dict) and isinstance(then.get("x-message"), str):
            yield then["x-message"]  # the error a conditional requirement gives
