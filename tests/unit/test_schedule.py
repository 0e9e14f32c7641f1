"""EventBridge schedule expressions: translated exactly, or refused naming the part."""

from __future__ import annotations

import pytest

from ecs_operator.translate.errors import TranslationError
from ecs_operator.translate.schedule import cron_schedule

TRANSLATED = {
    "rate-1-minute": ("rate(1 minute)", "* * * * *"),
    "rate-5-minutes": ("rate(5 minutes)", "*/5 * * * *"),
    "rate-30-minutes": ("rate(30 minutes)", "*/30 * * * *"),
    "rate-60-minutes": ("rate(60 minutes)", "0 * * * *"),
    "rate-120-minutes": ("rate(120 minutes)", "0 */2 * * *"),
    "rate-1-hour": ("rate(1 hour)", "0 * * * *"),
    "rate-12-hours": ("rate(12 hours)", "0 */12 * * *"),
    "rate-1-day": ("rate(1 day)", "0 0 * * *"),
    "daily-10am": ("cron(0 10 * * ? *)", "0 10 * * *"),
    "daily-12-15": ("cron(15 12 * * ? *)", "15 12 * * *"),
    "weekdays-6pm": ("cron(0 18 ? * MON-FRI *)", "0 18 * * MON-FRI"),
    "first-of-month": ("cron(0 8 1 * ? *)", "0 8 1 * *"),
    "every-15-minutes": ("cron(0/15 * * * ? *)", "0/15 * * * *"),
    "every-10-weekdays": ("cron(0/10 * ? * MON-FRI *)", "0/10 * * * MON-FRI"),
    "office-hours": ("cron(0/5 8-17 ? * MON-FRI *)", "0/5 8-17 * * MON-FRI"),
    "sunday-number": ("cron(0 12 ? * 1 *)", "0 12 * * 0"),
    "weekday-range-numbers": ("cron(0 12 ? * 2-6 *)", "0 12 * * 1-5"),
    "weekend-list": ("cron(0 12 ? * 1,7 *)", "0 12 * * 0,6"),
    "month-names": ("cron(30 6 1 jan,jul ? *)", "30 6 1 JAN,JUL *"),
    "weekday-step": ("cron(0 12 ? * 1/2 *)", "0 12 * * 0/2"),
    "rate-24-hours": ("rate(24 hours)", "0 0 * * *"),
    "wednesday-name": ("cron(0 9 ? * WED *)", "0 9 * * WED"),
    "whitespace": ("  rate(5 minutes) ", "*/5 * * * *"),
}


@pytest.mark.parametrize("expression,schedule", TRANSLATED.values(), ids=TRANSLATED.keys())
def test_translated(expression: str, schedule: str) -> None:
    assert cron_schedule(expression) == schedule


REFUSED = {
    "nth-weekday": ("cron(0 9 ? * 2#1 *)", r'day-of-week "2#1" uses #'),
    "last-day": ("cron(0 12 L * ? *)", r'day-of-month "L" uses L'),
    "nearest-weekday": ("cron(0 12 15W * ? *)", r'day-of-month "15W" uses W'),
    "last-weekday": ("cron(0 12 LW * ? *)", r'day-of-month "LW" uses L'),
    "year": ("cron(0 0 1 1 ? 2027)", r'year "2027" cannot be expressed'),
    "superscript-step": ("cron(0/² * * * ? *)", r'minutes step "/²" must be a positive number'),
    "both-days": ("cron(0 12 * * * *)", r"exactly one of day-of-month and day-of-week"),
    "neither-day": ("cron(0 12 ? * ? *)", r"exactly one of day-of-month and day-of-week"),
    "five-fields": ("cron(0 12 * * ?)", r"takes 6 fields .* got 5"),
    "minute-out-of-range": ("cron(61 12 * * ? *)", r'minutes "61" is outside 0-59'),
    "weekday-out-of-range": ("cron(0 12 ? * 8 *)", r'day-of-week "8" is outside 1-7'),
    "bad-step": ("cron(0/0 12 * * ? *)", r'step "/0"'),
    "drifting-minutes": ("rate(7 minutes)", r"would drift"),
    "drifting-hours": ("rate(5 hours)", r"would drift"),
    "drifting-days": ("rate(2 days)", r"would drift"),
    "zero": ("rate(0 minutes)", r"at least 1"),
    "plural-with-one": ("rate(1 minutes)", r'singular unit with 1 .* not "minutes"'),
    "singular-with-many": ("rate(5 minute)", r'not "minute"'),
    "bad-unit": ("rate(5 weeks)", r"minute\(s\), hour\(s\) or day\(s\)"),
    "one-time": ("at(2026-12-01T10:00:00)", r"one-time at\(\) schedules"),
    "unclosed-cron": ("cron(0 10 * * ? *", r"nothing after the closing parenthesis"),
    "trailing-text": ("cron(0 10 * * ? *) daily", r"nothing after the closing parenthesis"),
    "question-in-minutes": ("cron(? 12 * * ? *)", r'minutes "\?" is only allowed in day-of-month'),
    "wrapping-range": ("cron(0 12 ? * 6-2 *)", r'day-of-week range "6-2" wraps around'),
    "wrapping-names": ("cron(0 12 ? * FRI-MON *)", r'day-of-week range "FRI-MON" wraps around'),
    "non-ascii-digit": ("rate(\u0665 minutes)", r"positive whole number"),
    "garbage": ("every day at noon", r"expected rate\(value unit\) or cron\("),
}


@pytest.mark.parametrize("expression,message", REFUSED.values(), ids=REFUSED.keys())
def test_refused_with_the_reason(expression: str, message: str) -> None:
    with pytest.raises(TranslationError, match=message) as refused:
        cron_schedule(expression)
    assert str(refused.value).startswith(f"scheduleExpression: {expression.strip()}: ")
