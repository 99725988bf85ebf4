"""Schedules normalised to 5-field cron wherever the source allows."""

from __future__ import annotations

import re

MACROS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
_DAYS = {"sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6}
_DAY_NAMES = {
    "sunday": 0,
    "monday": 1,
    "tuesday": 2,
    "wednesday": 3,
    "thursday": 4,
    "friday": 5,
    "saturday": 6,
}


_MONTHS = "jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec"
_WEEKDAYS = "sun|mon|tue|wed|thu|fri|sat"


def _field(names: str = "", suffix: str = "") -> re.Pattern:
    """One cron field: numbers, ``*``, ranges, steps and lists (names and Quartz's L, W
    and # where cron allows them); prose never parses as a schedule."""
    base = r"\*|\?|\d+" + (rf"|(?i:{names})" if names else "")
    atom = rf"(?:{base})" + (rf"(?:{suffix})?" if suffix else "")
    item = rf"(?:{atom}(?:-{atom})?(?:/\d+)?" + (rf"|{suffix}" if suffix else "") + ")"
    return re.compile(rf"{item}(?:,{item})*")


_FIELDS = (
    _field(),
    _field(),
    _field(suffix="LW|L|W"),
    _field(_MONTHS),
    _field(_WEEKDAYS, suffix=r"#\d|L"),
)


def day_number(name: str) -> int | None:
    lowered = str(name).strip().lower()
    if lowered in _DAY_NAMES:
        return _DAY_NAMES[lowered]
    return _DAYS.get(lowered[:3])


def normalise_cron(expr: str) -> str | None:
    """5-field cron from a 5/6/7-field expression or a macro; None if not cron-like."""
    expr = (expr or "").strip().strip("'\"")
    if expr.lower() in MACROS:
        return MACROS[expr.lower()]
    fields = expr.split()
    if len(fields) == 6:
        fields = fields[1:]  # leading seconds (Quartz, node-cron, cronplus)
    elif len(fields) == 7:
        fields = fields[1:6]
    if len(fields) != 5:
        return None
    if not all(pattern.fullmatch(f) for pattern, f in zip(_FIELDS, fields, strict=True)):
        return None
    return " ".join("*" if f == "?" else f for f in fields)


def every(
    unit: str, interval: int = 1, *, hour: int = 0, minute: int = 0, weekdays=None
) -> str | None:
    """Cron for 'every N units' (second/minute/hour/day/week/month)."""
    unit = unit.lower().rstrip("s")
    n = max(1, int(interval or 1))
    if unit == "second":
        return "* * * * *" if n < 60 else every("minute", n // 60)
    if unit == "minute":
        return "* * * * *" if n == 1 else f"*/{n} * * * *"
    if unit == "hour":
        return f"{minute} * * * *" if n == 1 else f"{minute} */{n} * * *"
    if unit == "day":
        return f"{minute} {hour} * * *" if n == 1 else f"{minute} {hour} */{n} * *"
    if unit == "week":
        days = ",".join(str(d) for d in (weekdays or [1])) if weekdays else "1"
        return f"{minute} {hour} * * {days}"
    if unit == "month":
        return f"{minute} {hour} 1 * *" if n == 1 else f"{minute} {hour} 1 */{n} *"
    return None


def recurrence(rec: dict) -> str | None:
    """Logic Apps / Power Automate ``recurrence`` object -> cron."""
    if not isinstance(rec, dict):
        return None
    freq = str(rec.get("frequency", "")).lower()
    try:
        interval = int(rec.get("interval", 1) or 1)
    except (TypeError, ValueError):
        interval = 1
    sched = rec.get("schedule") or {}
    hours = _ints(sched.get("hours"))
    minutes = _ints(sched.get("minutes"))
    days = [d for d in (day_number(x) for x in sched.get("weekDays") or []) if d is not None]
    hour = ",".join(map(str, hours)) if hours else "0"
    minute = ",".join(map(str, minutes)) if minutes else "0"
    if freq in ("second", "minute"):
        return every(freq, interval)
    if freq == "hour":
        return f"{minute} *" + (f"/{interval}" if interval > 1 else "") + " * * *"
    if freq == "day":
        return f"{minute} {hour} " + (f"*/{interval}" if interval > 1 else "*") + " * *"
    if freq == "week":
        dow = ",".join(map(str, days)) if days else "1"
        return f"{minute} {hour} * * {dow}"
    if freq == "month":
        month_days = _ints(sched.get("monthDays")) or [1]
        return (
            f"{minute} {hour} {','.join(map(str, month_days))} "
            + (f"*/{interval}" if interval > 1 else "*")
            + " *"
        )
    return None


def _ints(values) -> list[int]:
    out = []
    for v in values or []:
        try:
            out.append(int(v))
        except (TypeError, ValueError):
            continue
    return out


def on_calendar(spec: str) -> str | None:
    """systemd ``OnCalendar=`` -> cron for the common forms."""
    spec = spec.strip()
    lowered = spec.lower()
    simple = {
        "minutely": "* * * * *",
        "hourly": "0 * * * *",
        "daily": "0 0 * * *",
        "weekly": "0 0 * * 1",
        "monthly": "0 0 1 * *",
        "yearly": "0 0 1 1 *",
        "annually": "0 0 1 1 *",
        "quarterly": "0 0 1 1,4,7,10 *",
        "semiannually": "0 0 1 1,7 *",
    }
    if lowered in simple:
        return simple[lowered]
    # a trailing time zone (``UTC``, ``Europe/Paris``) does not change the fields
    spec = re.sub(r"\s+(?:UTC|GMT|[A-Z][A-Za-z_]+/[A-Za-z_/+\-]+)$", "", spec)
    match = re.fullmatch(
        r"(?:(?P<dow>[A-Za-z,.\-]+)\s+)?(?:(?P<date>[\d*]+-[\d*.,/]+-[\d*.,/]+)\s+)?"
        r"(?P<h>[\d*/,.]+):(?P<m>[\d*/,.]+)(?::[\d*/,.]+)?",
        spec,
    )
    if not match:
        return None
    dow = "*"
    if match.group("dow"):
        dow = _systemd_days(match.group("dow"))
    day, month = "*", "*"
    if match.group("date"):
        _, month, day = (match.group("date").split("-") + ["*", "*"])[:3]
    fields = [_calendar_field(v) for v in (match.group("m"), match.group("h"), day, month)]
    return " ".join([*fields, dow])


def _calendar_field(value: str) -> str:
    """One systemd calendar component as a cron field: ``00`` -> ``0``, ``0/15`` ->
    ``*/15``, ``1..7`` -> ``1-7``, lists kept."""
    if value == "*":
        return "*"
    parts = []
    for part in value.split(","):
        start, _, step = part.partition("/")
        start = start.replace("..", "-")
        if start not in ("*", ""):
            start = "-".join(str(int(x)) if x.isdigit() else x for x in start.split("-"))
        if step:
            parts.append(f"*/{int(step)}" if start in ("*", "0") else f"{start}/{int(step)}")
        else:
            parts.append(start or "*")
    return ",".join(parts)


def _systemd_days(text: str) -> str:
    parts = []
    for chunk in text.split(","):
        if ".." in chunk or "-" in chunk:
            a, b = re.split(r"\.\.|-", chunk, maxsplit=1)
            da, db = day_number(a), day_number(b)
            parts.append(f"{da}-{db}" if da is not None and db is not None else "*")
        else:
            d = day_number(chunk)
            parts.append(str(d) if d is not None else "*")
    return ",".join(parts) if parts else "*"


def iso_duration_seconds(value: str) -> int | None:
    """``PT5M`` / ``P1D`` (Task Scheduler) -> seconds."""
    match = re.fullmatch(
        r"P(?:(?P<d>\d+)D)?(?:T(?:(?P<h>\d+)H)?(?:(?P<m>\d+)M)?(?:(?P<s>\d+)S)?)?", value.strip()
    )
    if not match or not any(match.groupdict().values()):
        return None
    d, h, m, s = (int(match.group(k) or 0) for k in ("d", "h", "m", "s"))
    return ((d * 24 + h) * 60 + m) * 60 + s


def seconds_to_cron(seconds: int) -> str | None:
    if seconds <= 0:
        return None
    if seconds < 3600:
        return every("minute", max(1, seconds // 60))
    if seconds < 86400:
        return every("hour", max(1, seconds // 3600))
    return every("day", max(1, seconds // 86400))
