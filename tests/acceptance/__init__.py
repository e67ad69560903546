"""Acceptance tests: the real server over a socket, through real SDK clients."""
