"""Which answers show the participant, at once, what to do now (templates/includes/
safety_now.html): an answer or a message that signals thoughts of death or self-harm, or of
harming someone else.

The rules are here in one place; the receipt pages (the check-in's, a questionnaire's, the
conversation after sending) ask them about what the participant has just sent. They never
look at risk signals as such: a signal can come from partner contact, and nothing of that
may reach the participant (safety rule 1)."""

from __future__ import annotations

from typing import Any

from .risk import scan

# The check-in's safety questions (keys of modules.checkin.QUESTIONS) and the answer that
# shows the section.
CHECKIN_SAFETY_ANSWERS: dict[str, str] = {"harm_thoughts": "yes"}


def checkin_needs_safety(answers: dict[str, Any]) -> bool:
    return any(answers.get(key) == value for key, value in CHECKIN_SAFETY_ANSWERS.items())


def message_needs_safety(body: str) -> bool:
    """Risk words (modules.risk, the admins' list) in a participant's message."""
    return scan(body) is not None
