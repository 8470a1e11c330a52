"""Process tests: test cases stored next to a process and run against its deployed version —
from the designer page, from `flask --app wsgi test-processes`, and from pytest (`make test`).

Each test case starts a real case with the real engine, completes tasks with form data (validated
exactly as a real completion is), moves the clock and fires timers, and checks the case's status,
open tasks and fields along the way. Everything a run writes is rolled back at the end: nothing is
persisted, no notification or e-mail leaves, and time only moves for the running context
(`clock.travel`), so a run inside a web request does not move time for anybody else.

File format — `workflows/tests/<process key>.json`, UTF-8 JSON:

    {
      "process": "dishonesty_record",          # the process key (required)
      "users": {                               # optional: users that exist only during the run
        "handler": {"department": "fgw", "roles": ["handler"]},
        "reviewer": {"department": "xyzx", "roles": ["reviewer"], "district": "pudong"}
      },
      "cases": [
        {
          "name": "无异议：确认、公开，公开期满自动结束",     # required, shown in every report
          "users": {...},                      # optional, added to / overriding the file's users
          "start": {
            "as": "recorder",                  # who registers (must hold the start lane's role)
            "recording_department": "xyzx",    # only without "as": the system registers for this unit
            "at": "2026-09-14T09:00",          # optional ISO time, Shanghai when no offset (default: now)
            "data": {...}                      # the start form's data
          },
          "steps": [ ... ],                    # run in order, see below
          "expect": {...}                      # optional: checked after the last step
        }
      ]
    }

A name in "as" is first looked up in "users" (created inside the run, so shipped tests do not
depend on the accounts of an installation; departments are the seeded reference data), then
among the real users by username.

Steps — each an object with exactly one of these keys:

    {"complete": "entry_review", "as": "reviewer", "data": {...}, "files": {"field": ["a.pdf"]}}
        Complete the open task at this element of the case. "as" optional: when given, that user
        must be able to act on the task (role and scope, `can_act_on`); without it the first
        eligible user acts (or the system). "data" is validated against the task's form first,
        exactly like a real completion. "files" puts placeholder attachments (name only, no
        content) into the form's file fields. "refused": {"field": "text"} says the submission
        must be refused, naming each field with a message containing its text (the task stays
        open; e.g. a rectification deadline in the past).
    {"advance": "P400D"}           Move the clock by an ISO-8601 duration (PnYnMnWnDTnHnMnS;
                                   years and months are calendar months), then fire due timers.
    {"advance_working_days": 6}    Move to just after the end of the n-th working day after the
                                   current test date (what a "n working days" deadline crosses),
                                   then fire due timers.
    {"advance_to": "2026-10-14T00:00:01"}  Move to this time (Shanghai when no offset; never
                                   backwards), then fire due timers.
    {"expect": {...}}              Check the case now (keys below).

Expectations (any of):

    "status": "confirmed"                  the record status / warning stage
    "open_tasks": ["publication_decision"] the element ids of the open tasks (order ignored)
    "finished": true                       whether the process instance has ended
    "due": {"respond_notice": "2026-09-20"} the last day of an open task's deadline
    "events": ["task.cancelled"]           timeline event kinds that must have occurred
    "documents": ["public_criticism"]      document types (app/documents) issued on the case
    "linked": {"escalated_to": {...}}      the same checks on a linked case, by relation
    "tier", "facts", "title", "publication_end", ...  a field of the case (dates as YYYY-MM-DD;
                                           see CASE_FIELDS)

A failed expectation, a refused step or an engine error ends that test case with failures that
name the step ("第 3 步 expect：状态应为 confirmed，实际为 notified"); the other cases still run.
Any step may carry a "note" (free text). Working-day deadlines need the calendar of their year:
keep test dates inside the loaded years.

Python API: `run_case(key, case, *, version=None, users=None)` → CaseResult (users None: those of
the stored file), `run_tests(doc)`, `run_file(path)`, `run_all(directory=None, key=None)` →
{key: [CaseResult]}, `load_tests(key)`, `check_tests(doc)` / `check_case(case)` (problems in
Chinese), `save_tests(key, doc)`; `flask --app wsgi test-processes` is in app/designer/cli.py.

The parts: `loading` (test files: read, check, store), `validation` (the format above),
`times` (times and ISO-8601 durations), `users` (test users), `running` (one case in a
rolled-back transaction; files and directories of them), `expectations` (what "expect" may ask
and how a case differs), `reporting` (results, failure wording, the terminal report).
"""
from app.designer.process_tests.expectations import CASE_FIELDS, EXPECT_KEYS
from app.designer.process_tests.loading import TestFileError, file_key, load_tests, save_tests, tests_dir, tests_path
from app.designer.process_tests.reporting import CaseResult, echo_report
from app.designer.process_tests.running import run_all, run_case, run_file, run_tests
from app.designer.process_tests.validation import STEP_KINDS, check_case, check_tests

__all__ = ["CASE_FIELDS", "EXPECT_KEYS", "STEP_KINDS", "CaseResult", "TestFileError", "check_case", "check_tests",
           "echo_report", "file_key", "load_tests", "run_all", "run_case", "run_file", "run_tests", "save_tests",
           "tests_dir", "tests_path"]
