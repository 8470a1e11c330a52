"""Rules as data: DMN decision tables (deadlines, publication windows, thresholds, sanctions),
versioned with the date each version comes into force. Designers draft, a rule approver publishes;
processes and services ask `decide(key, inputs, on=date)` (app/rules/service.py)."""
