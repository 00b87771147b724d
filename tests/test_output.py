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
