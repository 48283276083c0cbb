#!/usr/bin/env python
"""Django's command-line utility, with platform/ (the source root) on sys.path."""

import os
import sys
from pathlib import Path

PLATFORM = Path(__file__).resolve().parent / "platform"


def main() -> None:
    sys.path.insert(0, str(PLATFORM))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
