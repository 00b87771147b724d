"""Real servers for tests: private instances on 127.0.0.1, a free port, a temp dir."""
