"""Small text helpers shared by the note parsers.

``fold`` makes matching case- and accent-insensitive while keeping every
character at its place, so a match found in the folded text has the same
span in the original (the extractor reports spans to the user).
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

__all__ = ["fold", "number_value", "NUMBER_WORDS", "NUMBER_PATTERN"]


# Typographic apostrophes as typeset text writes them ("dose d’entretien"):
# the same character as the apostrophe typed on a keyboard.
_APOSTROPHES = {"\u2019": "'", "\u2018": "'", "\u02bc": "'"}


@lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    if char in _APOSTROPHES:
        return _APOSTROPHES[char]
    lowered = char.lower()
    if len(lowered) != 1:  # e.g. "İ" lowers to two characters: keep it as is
        lowered = char
    if ord(lowered) < 128:
        return lowered
    base = unicodedata.normalize("NFKD", lowered)
    # "é" -> "e", "²" -> "2"; a character with no one-letter base ("œ") stays.
    first = base[0] if base else lowered
    return first if ord(first) < 128 or not unicodedata.combining(first) else lowered


def fold(text: str) -> str:
    """Lower-case ``text`` and strip accents, one character for one character."""
    if text.isascii():
        return text.lower()
    return "".join(_fold_char(c) for c in text)


#: Number words met in dosing notes, English and French (folded spelling).
NUMBER_WORDS: dict[str, int] = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "fourteen": 14,
    "eighteen": 18,
    "twenty-one": 21,
    "twenty one": 21,
    "twenty-eight": 28,
    "twenty eight": 28,
    "un": 1,
    "une": 1,
    "deux": 2,
    "trois": 3,
    "quatre": 4,
    "cinq": 5,
    "sept": 7,
    "huit": 8,
    "neuf": 9,
    "dix": 10,
    "onze": 11,
    "douze": 12,
    "quatorze": 14,
    "dix-huit": 18,
    "vingt et un": 21,
    "vingt-et-un": 21,
    "vingt-huit": 28,
}

#: A small whole number, as digits or as a word (longest words first).
NUMBER_PATTERN = (
    r"(?:\d{1,3}|"
    + "|".join(sorted((w.replace(" ", r"\s++") for w in NUMBER_WORDS), key=len, reverse=True))
    + r")"
)


def number_value(text: str) -> int | None:
    """The value of a number written as digits or a word; None if neither."""
    text = " ".join(fold(text).split())
    if text.isdigit():
        return int(text)
    return NUMBER_WORDS.get(text)
