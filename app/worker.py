"""Celery, when one machine is not enough: `celery -A app.worker worker` runs the background
work and `celery -A app.worker beat` schedules the tick. Without CELERY_BROKER_URL nothing here
is needed: `flask tick --every 5` does the same work in-process (what `make run` uses)."""
from __future__ import annotations

from celery import Celery

from app import create_app

flask_app = create_app()
celery = Celery("chengxin", broker=flask_app.config["CELERY_BROKER_URL"] or "memory://")
celery.conf.update(task_acks_late=True, worker_prefetch_multiplier=1, timezone="Asia/Shanghai",
                   beat_schedule={"tick": {"task": "chengxin.tick", "schedule": flask_app.config["TICK_SECONDS"]}})


@celery.task(name="chengxin.tick")
def tick() -> dict:
    """Fire due timers, render documents issued in the background, send queued mail. Safe to run
    on several workers at once."""
    from app.cases.timers import fire_due_timers
    from app.documents.service import render_pending
    from app.notifications.mail import deliver_outbox

    with flask_app.app_context():
        return {"timers": fire_due_timers(), "documents": render_pending(), "mail": deliver_outbox()}
