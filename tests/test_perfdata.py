import pytest
from grammar import parse_output
from immune.perfdata import Perfdata, unique_labels
from immune.ranges import parse_range


def test_full_item():
    p = Perfdata("load1", 0.1 + 0.2, "", parse_range("5"), parse_range("10:"), 0, 100)
    assert str(p) == "load1=0.3;5;10:;0;100"


def test_trailing_empty_fields_dropped_and_middle_kept():
    assert str(Perfdata("x", 1)) == "x=1"
    assert str(Perfdata("x", 1, "s", crit=parse_range("2"))) == "x=1s;;2"
    assert str(Perfdata("x", 1, "%", min=0)) == "x=1%;;;0"


def test_labels_quoted_and_cleaned():
    assert str(Perfdata("/var/log", 5, "MB")) == "/var/log=5MB"
    assert str(Perfdata("free space", 5)) == "'free space'=5"
    assert str(Perfdata("it's", 5)) == "'it''s'=5"
    assert str(Perfdata("a\x1bb\nc", 5)) == "'a b c'=5"


def test_undeterminable_value_is_U_without_unit():
    assert str(Perfdata("offset", None, "s")) == "offset=U"


@pytest.mark.parametrize("bad", [Perfdata("a=b", 1), Perfdata("", 1), Perfdata("x", 1, "kg")])
def test_invalid_items_refused(bad):
    with pytest.raises(ValueError):
        str(bad)


def test_items_pass_the_strict_grammar():
    items = [Perfdata("free space", 1.5, "MB", parse_range("@1:2"), parse_range("~:3"), 0),
             Perfdata("it's", True), Perfdata("t", None, "s")]
    out = parse_output("X OK - fine | " + " ".join(map(str, items)) + "\n")
    assert out.perfdata["it's"].value == 1 and out.perfdata["t"].value is None


def test_unique_labels_keep_distinct_names_and_mend_collisions_in_19_characters():
    names = ["/", "/var/lib/docker/overlay2/3f1a2b/merged",
             "/var/lib/docker/overlay2/9c8d7e/merged", "/var/lib/docker/overlay2/9c8d7e/merged2"]
    labels = unique_labels(names)
    assert labels[:2] == names[:2]
    assert labels[2:] == ["...y2/9c8d7e/merged", "...2/9c8d7e/merged2"]
    assert len({label[:19] for label in labels}) == 4
    out = parse_output("X OK - s | " + " ".join(str(Perfdata(lb, 1)) for lb in labels) + "\n")
    assert len(out.perfdata) == 4
    assert unique_labels(["/a", "/b"]) == ["/a", "/b"]


def test_unique_labels_never_hold_an_equals_sign():
    [label] = unique_labels(["/mnt/a=b"])
    assert label == "/mnt/a_b" and str(Perfdata(label, 1)) == "/mnt/a_b=1"
