"""Per-language date formats (FORMAT_MODULE_PATH in settings).

Each module sets only what differs from Django's own locale module; Django looks a format
name up in these modules first and then in django.conf.locale.<lang>.formats, one name at a
time, so everything not set here (SHORT_DATE_FORMAT, input formats, separators) still comes
from Django.
"""
