"""Signals modules sends, for apps above it to act on without modules importing them."""

from django.dispatch import Signal

# Sent inside the transaction that changes an enrollment's status (enrollment_set_status),
# with `enrollment` and `actor`: what a receiver writes commits or rolls back with it.
enrollment_status_changed = Signal()

# Sent inside the transaction that changes an enrollment's therapist or substitute
# (enrollment_assign), with `enrollment` (already saved with the new care team), `actor` and
# `before` (the set of user ids that were the care team): meetings cancels the future meetings
# with someone who has left it.
enrollment_care_team_changed = Signal()
