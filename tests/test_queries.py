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

