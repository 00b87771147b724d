from grammar import parse_output
from immune.output import MAX_OUTPUT, render, sanitize, status_line


def test_sanitize_removes_control_characters_pipes_and_newlines():
    assert sanitize("a\nb|c\x1b[31md\x00") == "a b/c [31md"
    assert sanitize("x" * 500, 50).endswith("...") and len(sanitize("x" * 500, 50)) == 50


def test_status_line_shape():
    assert status_line("LOAD", 1, "busy", ["a=1", "b=2"]) == "LOAD WARNING - busy | a=1 b=2"
    assert status_line("LOAD", 0, "fine") == "LOAD OK - fine"


def test_render_bounds_output_and_sanitises_long_lines():
    text = render("LOG", 2, "bad|news\n", ["n=1"], ["line|\x07"] * 10000)
    assert len(text) < MAX_OUTPUT + 200
    out = parse_output(text)
    assert out.summary == "bad/news" and out.long_lines[0] == "line/"
    assert out.long_lines[-1] == "... (output truncated)"


def test_hostile_summary_cannot_forge_perfdata():
    out = parse_output(render("HTTP", 0, "ok | fake=1", ["real=2"]))
    assert list(out.perfdata) == ["real"]


def test_perfdata_is_bounded():
    line = status_line("DISK", 0, "many", [f"m{i}=1" for i in range(5000)])
    assert len(line) <= MAX_OUTPUT


def test_output_is_bounded_in_bytes_not_characters():
    # Undecodable log bytes become U+FFFD (3 bytes each), emoji take 4: Nagios counts bytes.
    for char in ("\ufffd", "\U0001f525"):
        text = render("LOG", 0, char * 500, [f"'{char * 50}'=1"], [char * 400] * 40)
        assert len(text.encode()) <= MAX_OUTPUT + 200
        assert parse_output(text).long_lines[-1] == "... (output truncated)"


def test_undecodable_bytes_from_argv_are_replaced():
    path = "/var/log/\udcff\udcfe.log"  # os.fsdecode(b"/var/log/\xff\xfe.log")
    assert sanitize(path) == "/var/log/\ufffd\ufffd.log"
    assert render("LOG", 0, path).encode() == "LOG OK - /var/log/\ufffd\ufffd.log\n".encode()
