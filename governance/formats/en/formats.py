"""The one way the product writes dates and times on its pages (issue 16, point 10).

`{{ day|date }}` and a bare `{{ day }}` give "1 Dec 2026"; `{{ moment|date:"DATETIME_FORMAT" }}`
gives "1 Dec 2026, 14:05" (in TIME_ZONE). Unambiguous in every English locale, short enough
for a table cell at 375 px. Machine-readable values keep ISO 8601 (`|date:"c"`, CSV, API).
Formats not named here fall through to Django's own English ones (input formats included).
"""

DATE_FORMAT = "j M Y"
SHORT_DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y, H:i"
SHORT_DATETIME_FORMAT = "j M Y, H:i"
TIME_FORMAT = "H:i"
MONTH_DAY_FORMAT = "j M"
YEAR_MONTH_FORMAT = "M Y"
