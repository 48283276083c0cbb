"""Signals modules sends, for apps above it to act on without modules importing them."""

from django.dispatch import Signal

# Sent inside the transaction that changes an enrollment's status (enrollment_set_status),
# with `enrollment` and `actor`: what a receiver writes commits or rolls back with it.
enrollment_status_changed = Signal()
