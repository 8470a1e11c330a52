"""Where the sharing feed listens: the publication domain announces each change of a publication
(`app.publication.signals.publication_changed`) and never imports this package."""
from __future__ import annotations

from app.publication.signals import publication_changed
from app.sharing.service import queue_event


def connect_receivers() -> None:
    """Queue an outbox row per endpoint for every publication change (called once by the app
    factory; connecting twice is harmless: blinker keeps one connection per receiver)."""
    publication_changed.connect(queue_event)
