"""Celery, when one machine is not enough: `celery -A app.worker worker` runs the background
work and `celery -A app.worker beat` schedules the tick. Without CELERY_BROKER_URL nothing here
is needed: `flask tick --every 5` does the same work in-process (what `make run` uses)."""
from __future__ import annotations

from celery import Celery

from app import create_app
from app.scheduler import run_due_work

flask_app = create_app()
celery = Celery("chengxin", broker=flask_app.config["CELERY_BROKER_URL"] or "memory://")
celery.conf.update(task_acks_late=True, worker_prefetch_multiplier=1, timezone="Asia/Shanghai",
                   beat_schedule={"tick": {"task": "chengxin.tick", "schedule": flask_app.config["TICK_SECONDS"]}})


@celery.task(name="chengxin.tick")
def tick() -> dict:
    """Fire due timers, render documents issued in the background, send queued mail, mask
    published records again when other masking rules come into force, push the sharing feed to
    the credit platforms. Safe to run on several workers at once."""
    with flask_app.app_context():
        return run_due_work()
