"""The rules for untrusted text, ids and numbers that every entry point shares."""

import pytest

from governance.validators import control_character, is_url_safe_id, parse_id, visible


@pytest.mark.parametrize("value", ["E001", "ENG-PLAT", "S0000001", "HR000001", "a.b_c~d", "...", "x" * 64])
def test_ids_from_the_demo_the_seeds_and_the_tests_are_url_safe(value):
    assert is_url_safe_id(value)


@pytest.mark.parametrize("value", ["", ".", "..", "a/b", "a b", "x?y", "x#y", "50%", "é1", "E1\n", "x" * 65, None])
def test_ids_a_url_path_cannot_carry_as_they_are_are_not(value):
    assert not is_url_safe_id(value)


@pytest.mark.parametrize(
    ("text", "found"),
    [("Ada\x00", "U+0000"), ("a\x1b[31m", "U+001B"), ("a\x7f", "U+007F"), ("a\x85", "U+0085"), ("a\ud800", "U+D800")],
)
def test_control_characters_and_lone_surrogates_are_found(text, found):
    assert control_character(text) == found
    assert control_character(visible(text)) is None


def test_tab_and_newline_pass_only_where_a_field_has_lines_and_names_with_joiners_pass():
    assert control_character("a\tb\nc") == "U+0009"
    assert control_character("a\tb\nc", multiline=True) is None
    assert control_character("a\x00b", multiline=True) == "U+0000"
    assert control_character("Chloé Zoë \u200d") is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [("42", 42), ("9223372036854775807", 2**63 - 1), ("9223372036854775808", None), ("99999999999999999999", None)]
    + [("0", None), ("-1", None), ("²", None), ("٣", None), (" 4", None), ("", None), (None, None)],
)
def test_ids_from_urls_are_ascii_digits_within_a_64_bit_key(value, expected):
    assert parse_id(value) == expected
