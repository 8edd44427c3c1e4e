"""Loopback servers that speak the real wire formats of the services Paperboy talks to."""
