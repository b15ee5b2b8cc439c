"""Range checks of settings: one rule and one message for configs and command lines.

A :class:`Range` states the numbers a setting accepts; :func:`check_settings`
checks a settings dict (``test_cfg``, ``crf_cfg`` ...) against a table of
them, refusing unknown keys, and :func:`range_type` makes an ``argparse``
``type`` of a range. Every refusal names the key and the accepted range:
``AffinityNet test_cfg: beta must be a number in (0, inf), got 0``.
"""
import argparse
import math
import numbers
from typing import Any, Callable, Mapping, NamedTuple, Optional, Sequence, Union


class Range(NamedTuple):
    """The numbers one setting accepts (NaN and infinity never).

    Attributes:
        low: Lower bound, or None for none.
        high: Upper bound, or None for none.
        low_open: ``low`` itself is refused.
        high_open: ``high`` itself is refused.
        integer: Only integers (an ``int``, not ``2.0``, which ``range`` and
            sizes refuse; ``bool`` is refused).
        optional: None is accepted too (a setting that may be off).
    """

    low: Optional[float] = None
    high: Optional[float] = None
    low_open: bool = False
    high_open: bool = False
    integer: bool = False
    optional: bool = False

    def __str__(self) -> str:
        """``'a number in (0, 1)'``, ``'an integer in [1, inf) or None'``."""
        low = '-inf' if self.low is None else f'{self.low:g}'
        high = 'inf' if self.high is None else f'{self.high:g}'
        interval = (('(' if self.low_open or self.low is None else '[') + f'{low}, {high}'
                    + (')' if self.high_open or self.high is None else ']'))
        kind = 'an integer' if self.integer else 'a number'
        return f'{kind} in {interval}' + (' or None' if self.optional else '')

    def accepts(self, value: Any) -> bool:
        """Whether ``value`` is in the range."""
        if value is None:
            return self.optional
        kind = numbers.Integral if self.integer else numbers.Real
        if isinstance(value, bool) or not isinstance(value, kind):
            return False
        if not self.integer and not math.isfinite(value):
            return False
        if self.low is not None and (value < self.low or self.low_open and value == self.low):
            return False
        return self.high is None or not (value > self.high
                                         or self.high_open and value == self.high)


class Each(NamedTuple):
    """A non-empty list or tuple (of ``length`` items if set), every item in ``item``."""

    item: Range
    length: Optional[int] = None

    def __str__(self) -> str:
        size = f'{self.length} items' if self.length else 'a non-empty list'
        return f'{size}, each {self.item}'

    def accepts(self, value: Any) -> bool:
        """Whether ``value`` is a sequence of accepted items of the right length."""
        return (isinstance(value, (list, tuple)) and len(value) > 0
                and len(value) == (self.length or len(value))
                and all(self.item.accepts(item) for item in value))


class OneOf(NamedTuple):
    """One of a few values (a mode, a method)."""

    values: tuple

    def __str__(self) -> str:
        return 'one of ' + ', '.join(repr(value) for value in self.values)

    def accepts(self, value: Any) -> bool:
        """Whether ``value`` is one of ``values``."""
        return any(value == item and type(value) is type(item) for item in self.values)


class Flag(NamedTuple):
    """``True`` or ``False``."""

    def __str__(self) -> str:
        return 'True or False'

    def accepts(self, value: Any) -> bool:
        """Whether ``value`` is a bool."""
        return isinstance(value, bool)


class Either(NamedTuple):
    """A value that one of several rules accepts (e.g. one score, or one per class)."""

    rules: tuple

    def __str__(self) -> str:
        return ' or '.join(str(rule) for rule in self.rules)

    def accepts(self, value: Any) -> bool:
        """Whether one of ``rules`` accepts ``value``."""
        return any(rule.accepts(value) for rule in self.rules)


Rule = Union[Range, Each, Flag, OneOf, Either]
"""What one setting accepts."""

POSITIVE = Range(0, low_open=True)
"""Numbers above 0."""

UNIT_OPEN = Range(0, 1, low_open=True, high_open=True)
"""Numbers strictly between 0 and 1 (background scores and thresholds)."""


def check_setting(key: str, value: Any, rule: Rule, where: str) -> Any:
    """Refuse a setting outside its range.

    Args:
        key: Name of the setting, for the message.
        value: Its value.
        rule: What it accepts.
        where: What holds it (``'AffinityNet test_cfg'``), for the message.

    Returns:
        ``value``.

    Raises:
        ValueError: ``value`` is not accepted; the message names ``where``,
            ``key``, the accepted range and the value.
    """
    if not rule.accepts(value):
        raise ValueError(f'{where}: {key} must be {rule}, got {value!r}')
    return value


def check_settings(settings: Optional[Mapping[str, Any]], rules: Mapping[str, Rule],
                   where: str) -> dict:
    """Refuse unknown keys and values outside their ranges.

    Args:
        settings: The settings (None: none).
        rules: What each known key accepts.
        where: What holds them (``'CAMClassifier test_cfg'``), for messages.

    Returns:
        The settings as a plain dict.

    Raises:
        KeyError: a key has no rule (unknown, e.g. a typo).
        ValueError: a value is not accepted (see :func:`check_setting`).
    """
    settings = dict(settings or {})
    unknown = sorted(set(settings) - set(rules))
    if unknown:
        raise KeyError(f'{where}: unknown keys {unknown}; known: {sorted(rules)}')
    for key, value in settings.items():
        check_setting(key, value, rules[key], where)
    return settings


def check_each(key: str, values: Sequence[Any], rule: Range, where: str) -> list:
    """Refuse a list with an item outside ``rule`` (an empty list is accepted).

    Args:
        key: Name of the setting, for the message.
        values: Its items.
        rule: What every item accepts.
        where: What holds it, for the message.

    Returns:
        The items as a list.

    Raises:
        ValueError: an item is not accepted (the message names its index).
    """
    values = list(values)
    for index, value in enumerate(values):
        check_setting(f'{key}[{index}]', value, rule, where)
    return values


def range_type(rule: Range) -> Callable[[str], Union[int, float]]:
    """An ``argparse`` ``type`` that reads a number and refuses it outside ``rule``.

    Args:
        rule: What the option accepts (``optional`` is ignored).

    Returns:
        A function from the command-line text to the number (int for an
        integer range) that raises ``argparse.ArgumentTypeError`` naming the
        accepted range.
    """

    def parse(text: str) -> Union[int, float]:
        try:
            value = int(text) if rule.integer else float(text)
        except ValueError:
            value = None
        if value is None or not rule.accepts(value):
            raise argparse.ArgumentTypeError(f'{text!r} is not {rule._replace(optional=False)}')
        return value

    return parse
