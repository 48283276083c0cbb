"""English date formats: day, short month, year ("23 Nov 2026"), as the Swedish ones."""

DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y, H:i"
MONTH_DAY_FORMAT = "j M"
