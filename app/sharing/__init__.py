"""The sharing feed to the credit platforms (issue 19): an outbox of publish / update / withdraw
events, pushed over HTTP by tick to the configured endpoints, with a reconciliation page."""
