"""Tamper-evident records: the hash chains behind each case's timeline and the administrative
audit log (users, roles, calendar, deployments, incidents), and their verification (issue 15)."""
