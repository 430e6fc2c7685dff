"""Checked argument types and text input for every `faqbot` command.

argparse calls these while parsing, so a bad value ends with a German usage
message and exit code 2 before any work starts, never with a traceback later.
"""

from __future__ import annotations

import argparse
import math
from typing import TypeVar

Number = TypeVar("Number", int, float)
MAX_SECONDS = 600.0  # beyond this a socket timeout is a typo, and huge values overflow the C timeval


def _number(text: str, kind: type[Number]) -> Number:
    try:
        return kind(text.strip())
    except ValueError:
        what = "eine ganze Zahl" if kind is int else "eine Zahl"
        raise argparse.ArgumentTypeError(f"„{text}“ ist keine gültige Angabe: erwartet wird {what}") from None


def port(text: str) -> int:
    value = _number(text, int)
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"Port {value} gibt es nicht: erlaubt sind 1 bis 65535")
    return value


def positive_int(text: str) -> int:
    value = _number(text, int)
    if value < 1:
        raise argparse.ArgumentTypeError(f"erwartet wird eine ganze Zahl ab 1, nicht {value}")
    return value


def positive_minutes(text: str) -> float:
    """Minutes above 0, finite; a German decimal comma is fine ("0,5")."""
    value = _number(text.replace(",", "."), float)
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"erwartet wird eine Zahl von Minuten größer als 0, z. B. 15 oder 0,5, nicht „{text}“")
    return value


def seconds(text: str) -> float:
    value = _number(text, float)
    if not (math.isfinite(value) and 0 < value <= MAX_SECONDS):
        raise argparse.ArgumentTypeError(f"erwartet wird eine Zeit in Sekunden über 0 und bis {MAX_SECONDS:g}, nicht „{text}“")
    return value


def decode_line(data: bytes) -> str:
    """A line of input as text: invalid UTF-8 becomes U+FFFD, so one bad byte costs one character, not the run."""
    return data.decode("utf-8", errors="replace")


def clean_argument(text: str) -> str:
    """An argument as valid text. Bytes that are not UTF-8 reach Python as lone surrogates
    (surrogateescape); they cannot be printed, logged or put into JSON, so they become U+FFFD."""
    try:
        return decode_line(text.encode("utf-8", errors="surrogateescape"))
    except UnicodeEncodeError:  # a surrogate that did not come from a byte
        return text.encode("utf-8", errors="replace").decode("utf-8")
