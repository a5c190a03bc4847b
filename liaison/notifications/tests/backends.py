"""Backends for the tests: one that always fails, one that records what it was given."""

SENT: list = []


class FailingBackend:
    def send(self, message):
        raise ConnectionError("gateway unreachable")


class RecordingBackend:
    def send(self, message):
        SENT.append(message)
