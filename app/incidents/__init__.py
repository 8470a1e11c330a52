"""Incidents (异常): a failed engine step blocks its case until someone retries, skips, moves or
cancels it (issue 15)."""
