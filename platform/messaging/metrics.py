"""Messaging's Prometheus metrics (config/metrics.py exposes every registered metric)."""

from prometheus_client import Counter

MESSAGES_SENT = Counter(
    "omtag_messages_sent",
    "Messages stored (a retry with a client id already stored is not counted).",
)
