"""The text table every renderer prints (dosecalc.output.common.text_table):
tabulate's "simple" layout, laid out by dosecalc for plain text."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st
from tabulate import tabulate

from dosecalc.output.common import text_table


def test_a_dose_table_by_hand():
    # Each column as wide as its widest cell, and at least its header + 2;
    # two spaces between columns; no blanks at the end of a line.
    rows = [["THP", "1", "pertuzumab", "840 mg", None], ["HP", "2-6 or more", "docetaxel", 75, ""]]
    assert text_table(rows, ["phase", "cycles", "drug", "dose", "note"]) == (
        "phase    cycles       drug        dose    note\n"
        "-------  -----------  ----------  ------  ------\n"
        "THP      1            pertuzumab  840 mg\n"
        "HP       2-6 or more  docetaxel   75"
    )


def test_an_empty_table_is_its_header():
    assert text_table([], ["drug", "dose"]) == "drug    dose\n------  ------"


def _tabulated(rows: list[list[object]], headers: list[str]) -> str:
    return tabulate(rows, headers=headers, tablefmt="simple", disable_numparse=True)


cells = st.one_of(
    st.none(),
    st.text(max_size=12),
    st.text(alphabet="ab 12.-/²µ×é", max_size=12),  # the dose tables' characters
    st.integers(-1000, 1000),
    st.floats(allow_nan=False),
    st.booleans(),
    st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2100, 1, 1)),
)


@given(
    st.integers(1, 5).flatmap(
        lambda n: st.tuples(
            st.lists(st.text(alphabet="abc d²", max_size=8), min_size=n, max_size=n),
            st.lists(st.lists(cells, min_size=n, max_size=n), max_size=5),
        )
    )
)
def test_the_same_text_as_tabulate(table):
    # Wide, combining and control characters, line breaks and escape
    # sequences are measured by tabulate itself: the text is the same for any cell.
    headers, rows = table
    assert text_table(rows, headers) == _tabulated(rows, headers)


@given(st.lists(st.lists(cells, min_size=2, max_size=4), min_size=1, max_size=4))
def test_rows_of_other_lengths_are_tabulated_alike(rows):
    assert text_table(rows, ["drug", "dose", "note"]) == _tabulated(rows, ["drug", "dose", "note"])
