#!/usr/bin/env bash
# `task test`'s two pytest passes at once, SQLite and PostgreSQL (they share nothing: own
# databases, Prefect homes and temporary folders), every line prefixed with its pass.
# Fails when either fails. Usage: tests/run_passes.sh TASK_EXECUTABLE
set -uo pipefail
task_exe=$1

run() {
    local name=$1
    shift
    "$task_exe" "$@" 2>&1 | sed -u "s/^/[$name] /"
}

run sqlite test-sqlite "MARKERS=not browser and not slurm and not slow" &
sqlite=$!
run postgres test-postgres &
postgres=$!
wait "$sqlite"
sqlite_status=$?
wait "$postgres"
postgres_status=$?
echo "pytest passes: SQLite exit ${sqlite_status}, PostgreSQL exit ${postgres_status}"
[ "$sqlite_status" -eq 0 ] && [ "$postgres_status" -eq 0 ]
