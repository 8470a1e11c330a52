"""Complaints from the 12345 hotline and the enterprise-service platform (policy §二(二)13–14),
and the monitoring rule that turns a cluster of them into a warning case."""
