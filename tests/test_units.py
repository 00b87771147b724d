import pytest
from immune.units import SizeError, format_size, parse_size, unit_multiple


@pytest.mark.parametrize("text, expected", [
    ("0", 0), ("512", 512), ("20KB", 20 * 1024), ("50MB", 50 * 1024**2), ("2G", 2 * 1024**3),
    ("1.5k", 1536), ("3MiB", 3 * 1024**2), ("1e3", 1000), (" 7 B ", 7), ("1TB", 1024**4),
])
def test_parse_size(text, expected):
    assert parse_size(text) == expected


def test_bare_number_takes_the_default_unit():
    assert parse_size("10", default_unit="MB") == 10 * 1024**2
    assert parse_size("10KB", default_unit="MB") == 10 * 1024


@pytest.mark.parametrize("text", ["", "MB", "ten", "-5MB", "5XB", "1e999", "nan"])
def test_bad_sizes_are_refused(text):
    with pytest.raises(SizeError):
        parse_size(text)


def test_unit_multiple_and_format():
    assert unit_multiple("MB") == 1024**2 and unit_multiple("B") == 1
    with pytest.raises(SizeError):
        unit_multiple("XB")
    assert format_size(812) == "812 B"
    assert format_size(4300) == "4.2 KB"
    assert format_size(33 * 1024**3) == "33 GB"
