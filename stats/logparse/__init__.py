"""Pure, fast access-log parsing: bytes in, exact mergeable counts out.

Imports nothing of Django, so it runs on Slurm workers and in benchmarks as is.
"""
