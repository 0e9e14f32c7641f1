"""EventBridge schedule expressions -> Kubernetes CronJob schedules, exactly or not at all.

- `rate(N unit)`: only intervals a 5-field cron repeats exactly: minutes dividing 60, hours
  dividing 24, and 1 day. Other intervals would restart counting each hour, day or month and
  drift, so they are refused with a hint to write a cron().
- `cron(min hour dom month dow year)`: `?` becomes `*`; numbers, names, ranges, lists and steps
  pass through; days of week are renumbered from EventBridge's 1-7 (SUN-SAT) to 0-6. `L`, `W`
  and `#` and a year other than `*` have no CronJob equivalent and are refused.
- `at(...)` one-time schedules are refused: run a Task instead.
"""

from __future__ import annotations

import re

from .errors import TranslationError

_RATE = re.compile(r"^rate\(\s*(\S+)\s+(\S+)\s*\)$")
_CRON = re.compile(r"^cron\(([^()]*)\)$")
_UNITS = {"minute": 1, "minutes": 1, "hour": 60, "hours": 60, "day": 1440, "days": 1440}
_MONTHS = "JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC".split()
_DAYS = "SUN MON TUE WED THU FRI SAT".split()
# (name, lowest, highest, names allowed)
_FIELDS = [("minutes", 0, 59, []), ("hours", 0, 23, []), ("day-of-month", 1, 31, []),
           ("month", 1, 12, _MONTHS), ("day-of-week", 1, 7, _DAYS)]


def cron_schedule(expression: str) -> str:
    text = expression.strip()
    if text.startswith("rate("):
        return _rate(text)
    if text.startswith("cron("):
        return _cron(text)
    if text.startswith("at("):
        raise _error(text, "one-time at() schedules have no CronJob equivalent; create a Task "
                           "at that time instead")
    raise _error(text, "expected rate(value unit) or cron(minutes hours day-of-month month "
                       "day-of-week year)")


def _error(expression: str, reason: str) -> TranslationError:
    return TranslationError(f"scheduleExpression: {expression}: {reason}")


def _whole_number(text: str) -> bool:
    # ASCII only: str.isdigit() also accepts "²", which int() refuses.
    return text.isascii() and text.isdigit()


def _rate(text: str) -> str:
    match = _RATE.match(text)
    number = match.group(1) if match else ""
    if not _whole_number(number) or match.group(2) not in _UNITS:
        raise _error(text, "rate() takes a positive whole number and minute(s), hour(s) or "
                           "day(s), e.g. rate(5 minutes)")
    value, unit = int(match.group(1)), match.group(2)
    if value == 0:
        raise _error(text, "the rate must be at least 1")
    if (value == 1) != unit.endswith(("minute", "hour", "day")):
        raise _error(text, f'use the singular unit with 1 and the plural otherwise, not "{unit}"')
    minutes = value * _UNITS[unit]
    if minutes < 60 and 60 % minutes == 0:
        return "* * * * *" if minutes == 1 else f"*/{minutes} * * * *"
    if minutes % 60 == 0 and minutes < 1440 and 24 % (minutes // 60) == 0:
        hours = minutes // 60
        return "0 * * * *" if hours == 1 else f"0 */{hours} * * *"
    if minutes == 1440:
        return "0 0 * * *"
    raise _error(text, "a Kubernetes cron restarts counting every hour, day or month, so this "
                       "interval would drift; write a cron() with the exact times instead")


def _cron(text: str) -> str:
    match = _CRON.match(text)
    if not match:
        raise _error(text, "cron() must be written cron(minutes hours day-of-month month "
                           "day-of-week year) with nothing after the closing parenthesis")
    fields = match.group(1).split()
    if len(fields) != 6:
        raise _error(text, f"cron() takes 6 fields (minutes hours day-of-month month "
                           f"day-of-week year), got {len(fields)}")
    *five, year = fields
    if year != "*":
        raise _error(text, f'year "{year}" cannot be expressed: a CronJob has no year field')
    day_of_month, day_of_week = five[2], five[4]
    if (day_of_month == "?") == (day_of_week == "?"):
        raise _error(text, "exactly one of day-of-month and day-of-week must be ?")
    translated = [_field(text, token.upper(), *spec) for token, spec in zip(five, _FIELDS)]
    return " ".join(translated)


def _field(text: str, token: str, name: str, low: int, high: int, names: list[str]) -> str:
    if token == "?":
        if name not in ("day-of-month", "day-of-week"):
            raise _error(text, f'{name} "?" is only allowed in day-of-month or day-of-week')
        return "*"
    for special in ("L", "W", "#"):
        if special in token and not any(n in token for n in names if special in n):
            raise _error(text, f'{name} "{token}" uses {special}, which a Kubernetes cron '
                               "cannot express")
    parts = [_part(text, part, name, low, high, names) for part in token.split(",")]
    return ",".join(parts)


def _part(text: str, part: str, name: str, low: int, high: int, names: list[str]) -> str:
    base, _, step = part.partition("/")
    if step and not (_whole_number(step) and int(step) > 0):
        raise _error(text, f'{name} step "/{step}" must be a positive number')
    if base == "*":
        bounds = ["*"]
    else:
        bounds = [_value(text, b, name, low, high, names) for b in base.split("-")]
        if len(bounds) > 2:
            raise _error(text, f'{name} "{part}" is not a value, range or step')
        if len(bounds) == 2 and _rank(bounds[0], names) > _rank(bounds[1], names):
            raise _error(text, f'{name} range "{base}" wraps around, which a Kubernetes cron '
                               "cannot express; split it into a list, e.g. FRI-SAT,SUN-MON")
    return "-".join(bounds) + (f"/{step}" if step else "")


def _value(text: str, value: str, name: str, low: int, high: int, names: list[str]) -> str:
    if value in names:
        return value
    if not _whole_number(value) or not low <= int(value) <= high:
        raise _error(text, f'{name} "{value}" is outside {low}-{high}')
    if name == "day-of-week":
        return str(int(value) - 1)  # EventBridge SUN=1 .. SAT=7; cron SUN=0 .. SAT=6
    return value


def _rank(bound: str, names: list[str]) -> int:
    return names.index(bound) if bound in names else int(bound)
