"""Supervision view (督导): open warnings by unit and stage, overdue tasks, time per step,
rectifications due this week."""
