"""Swedish date formats: short month names are written in lowercase ("23 nov 2026").

Django's "M" title-cases the abbreviation ("Nov"); "b" gives it in lowercase.
"""

DATE_FORMAT = "j b Y"
DATETIME_FORMAT = "j b Y, H:i"
MONTH_DAY_FORMAT = "j b"
