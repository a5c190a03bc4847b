"""A periodic job for the scheduler tests: counts its runs."""

RUNS: list[str] = []


def count_run() -> int:
    RUNS.append("run")
    return len(RUNS)
