"""Settings for a worker process under test: the platform's, with an email backend that can be
made to stop mid-send (tests/worker/test_lease.py kills the worker there)."""

from config.settings import *  # noqa: F403

EMAIL_BACKEND = "tests.worker.blocking_mail.EmailBackend"
