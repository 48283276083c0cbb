"""A file email backend (one file per message, in EMAIL_FILE_PATH) that, while the file
`hold` exists beside the messages' directory, says it has started (`entered`) and waits before
writing: the test kills the worker there, mid-task."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.core.mail.backends.filebased import EmailBackend as FileBackend


class EmailBackend(FileBackend):
    def send_messages(self, email_messages: Sequence[Any]) -> int:
        here = Path(str(self.file_path)).parent
        if (here / "hold").exists():
            (here / "entered").touch()
            deadline = time.monotonic() + 120
            while (here / "hold").exists() and time.monotonic() < deadline:
                time.sleep(0.05)
        return super().send_messages(email_messages)
