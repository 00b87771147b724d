"""Reading status.dat (the real file is exercised by tests/test_nagios_e2e.py)."""

from immune.nagiosconf.status import host_states, services

STATUS = """\
info {
\tcreated=1700000000
\t}

hoststatus {
\thost_name=web1
\tcurrent_state=1
\t}

servicestatus {
\thost_name=web1
\tservice_description=Webserver HTTP
\tcurrent_state=2
\tstate_type=1
\tcurrent_attempt=2
\tmax_attempts=2
\thas_been_checked=1
\tlast_check=1700000001
\tplugin_output=HTTP CRITICAL - a=b
\tlong_plugin_output=line 1\\nline 2 with \\\\ backslash
\tperformance_data=time=0.1s;;;0
\t}
"""


def test_services_are_parsed():
    [service] = services(STATUS)
    assert (service.host, service.service, service.state_name) == \
        ("web1", "Webserver HTTP", "CRITICAL")
    assert service.hard and service.attempt == 2 and service.max_attempts == 2
    assert service.output == "HTTP CRITICAL - a=b"
    assert service.long_output == "line 1\nline 2 with \\ backslash"
    assert service.perfdata == "time=0.1s;;;0" and service.last_check == 1700000001


def test_host_states():
    assert host_states(STATUS) == {"web1": 1}


def test_empty_or_partial_file():
    assert services("") == []
    assert services("servicestatus {\n\thost_name=x\n") == []
