"""Private throwaway servers on 127.0.0.1 for the tests and the demo.

Each starter is a context manager: it runs the Debian package's server as
the current user's private instance (temporary directory, free port), waits
until it answers and stops it by the PID it started, even when start-up
failed. No system service is ever touched.
"""
