import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from immune.linematch import LineMatcher

WORDS = ["Fatal", "fatal", "error", "Error", "x", "a|b", "é", "ab", "", " "]
LINES = st.lists(st.lists(st.sampled_from(WORDS), max_size=5).map(" ".join), max_size=30)


@given(lines=LINES, patterns=st.lists(st.sampled_from(WORDS[:7]), min_size=1, max_size=3),
       excludes=st.lists(st.sampled_from(WORDS[:7]), max_size=2), ignore_case=st.booleans())
def test_fixed_strings_agree_with_a_line_by_line_check(lines, patterns, excludes, ignore_case):
    block = "".join(line + "\n" for line in lines).encode()

    def fold(text):
        return text.lower() if ignore_case else text

    expected = [line.encode() for line in lines
                if any(fold(p) in fold(line) for p in patterns)
                and not any(fold(x) in fold(line) for x in excludes)]
    matcher = LineMatcher(patterns, ignore_case=ignore_case, excludes=excludes)
    assert list(matcher.lines(block)) == expected
    assert matcher.count(block) == len(expected)


@given(lines=LINES)
def test_regexes_agree_with_re_line_by_line(lines):
    block = "".join(line + "\n" for line in lines).encode()
    patterns = [r"^Fatal", r"error$", r"a\|b"]
    expected = [line.encode() for line in lines if any(re.search(p, line) for p in patterns)]
    assert list(LineMatcher(patterns, regex=True).lines(block)) == expected


def test_a_line_matching_twice_counts_once():
    assert LineMatcher(["a", "b"]).count(b"ab ab\nb\nc\n") == 2


def test_bad_regex_and_no_pattern_are_refused():
    with pytest.raises(ValueError, match="bad regular expression"):
        LineMatcher(["("], regex=True)
    with pytest.raises(ValueError):
        LineMatcher([])
