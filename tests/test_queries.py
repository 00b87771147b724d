import pytest
from immune.domain import CheckError
from immune.queries import Query, query_from_args


def test_metric_definitions(tmp_path):
    (tmp_path / "q.sql").write_text("SELECT 1, 2;\n")
    ini = tmp_path / "m.ini"
    ini.write_text("[a]\nquery-file = q.sql\nwindow = 60\nlabel = A\n[b]\nquery = SELECT 2\n")

    class Args:
        metric, metrics_file, window, query, query_file = "a", str(ini), None, None, None

    query = query_from_args(Args, ("label",))
    assert query == Query("SELECT 1, 2", 60.0, "metric a", (("label", "A"),))
    Args.metric, Args.window = "b", 5.0
    assert query_from_args(Args).window == 5.0
    Args.metric = None
    assert query_from_args(Args) is None



def test_query_sources_and_their_errors(tmp_path):
    class Args:
        metric = metrics_file = query_file = None
        query, window = "SELECT 1", None

    assert query_from_args(Args) == Query("SELECT 1", 900, "--query")
    Args.query, Args.query_file = None, str(tmp_path / "q.sql")
    with pytest.raises(CheckError, match="cannot read query file"):
        query_from_args(Args)
    (tmp_path / "q.sql").write_text("  \n")
    with pytest.raises(CheckError, match="is empty"):
        query_from_args(Args)
    Args.query_file, Args.metric = None, "m"
    with pytest.raises(CheckError, match="--metric needs --metrics-file"):
        query_from_args(Args)
    Args.metrics_file = str(tmp_path / "none.ini")
    with pytest.raises(CheckError, match="cannot read metrics file"):
        query_from_args(Args)
    (tmp_path / "m.ini").write_text("[m]\nwindow = -5\nquery = SELECT 1\n[n]\nwindow = 5\n")
    Args.metrics_file = str(tmp_path / "m.ini")
    with pytest.raises(CheckError, match=r"\[m\]: bad window"):
        query_from_args(Args)
    Args.metric = "n"
    with pytest.raises(CheckError, match="has no query or query-file"):
        query_from_args(Args)
