"""The Taskfile cannot drift: every manage.py command, module, file and task it names exists,
and the README's two commands are the ones .ci/run and ./dev run."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.core.management import get_commands

REPO_ROOT = Path(__file__).resolve().parent.parent
TASKFILE = REPO_ROOT / "Taskfile.yml"

# Modules the Taskfile names before the issue that writes them has landed. An entry here
# skips (with its reason) only while the module is missing; once it exists, the check is
# strict and test_pending_list_is_current asks for the entry to be removed.
PENDING_MODULES: dict[str, str] = {}

REQUIRED_TASKS = {
    "up",
    "test",
    "manage",
    "prefect",
    "deploy-flow",
    "deploy-all",
    "prefect-server",
    "worker",
    "make-dev-data",
    "bench",
    "lint",
    "fmt",
}

MANAGE_RE = re.compile(r"manage\.py\s+([a-z_][a-z0-9_]*)")
MODULE_RE = re.compile(r"(?:^|\s)-m\s+([A-Za-z_][\w.]*)")
PATH_RE = re.compile(
    r"(?<![\w/.])((?:stats|benchmarks|workflows|deployment|tests|emgapiv2)/[\w./*-]*[\w*])"
)
BIN_RE = re.compile(r"\{\{\.BIN\}\}/([\w-]+)")


def _taskfile() -> dict[str, Any]:
    return yaml.safe_load(TASKFILE.read_text())


def _command_strings(task: dict[str, Any]) -> list[str]:
    lines: list[str] = []
    for entry in [*task.get("cmds", []), *task.get("status", [])]:
        if isinstance(entry, str):
            lines.append(entry)
        elif isinstance(entry, dict) and "cmd" in entry:
            lines.append(entry["cmd"])
    return lines


def _expand(line: str, variables: dict[str, Any]) -> str:
    """Substitute the Taskfile's plain string variables ({{.MANAGE}} -> {{.PY}} manage.py)."""
    for _ in range(3):
        for name, value in variables.items():
            if isinstance(value, str):
                line = line.replace("{{." + name + "}}", value)
    return line


def _all_commands() -> list[tuple[str, str]]:
    taskfile = _taskfile()
    variables = taskfile.get("vars", {})
    return [
        (name, _expand(line, variables))
        for name, task in taskfile["tasks"].items()
        for line in _command_strings(task)
    ]


def _references(pattern: re.Pattern[str]) -> list[tuple[str, str]]:
    found = {
        (name, match.group(1)) for name, line in _all_commands() for match in pattern.finditer(line)
    }
    return sorted(found)


def test_required_tasks_exist() -> None:
    assert set(_taskfile()["tasks"]) >= REQUIRED_TASKS


def test_taskfile_parses_with_task() -> None:
    task_binary = Path(sys.executable).parent / "task"
    if not task_binary.exists():
        pytest.fail(f"{task_binary} missing: go-task-bin is in requirements.txt")
    result = subprocess.run(
        [str(task_binary), "--list-all", "--color=false"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    for name in REQUIRED_TASKS:
        assert f"* {name}:" in result.stdout


def test_referenced_management_commands_exist() -> None:
    references = _references(MANAGE_RE)
    assert {"migrate", "make_demo_logs", "ingest_logs"} <= {cmd for _, cmd in references}
    known = get_commands()
    missing = [f"{task}: manage.py {cmd}" for task, cmd in references if cmd not in known]
    assert not missing, "Taskfile names management commands that do not exist: " + ", ".join(
        missing
    )


@pytest.mark.parametrize(("task", "module"), _references(MODULE_RE))
def test_referenced_module_exists(task: str, module: str) -> None:
    if importlib.util.find_spec(module.split(".")[0]) is not None and _module_exists(module):
        return
    if module in PENDING_MODULES:
        pytest.skip(f"{task}: python -m {module} not written yet: {PENDING_MODULES[module]}")
    pytest.fail(f"task {task} runs python -m {module}, which does not exist")


def _module_exists(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


def test_pending_list_is_current() -> None:
    landed = [module for module in PENDING_MODULES if _module_exists(module)]
    assert not landed, f"remove from PENDING_MODULES, they exist now: {landed}"


@pytest.mark.parametrize(("task", "path"), _references(PATH_RE))
def test_referenced_path_exists(task: str, path: str) -> None:
    if "*" in path:  # a glob: its folder must exist
        folder = (REPO_ROOT / (path.split("*", 1)[0] + "x")).parent
        assert folder.is_dir(), f"task {task} globs {path}, but {folder} is missing"
    else:
        assert (REPO_ROOT / path).exists(), f"task {task} names {path}, which does not exist"


@pytest.mark.parametrize(("task", "program"), _references(BIN_RE))
def test_referenced_program_is_installed(task: str, program: str) -> None:
    assert (Path(sys.executable).parent / program).exists(), f"task {task} runs {program}"


def test_task_references_resolve() -> None:
    tasks = _taskfile()["tasks"]
    for name, task in tasks.items():
        for entry in task.get("cmds", []):
            if isinstance(entry, dict) and "task" in entry:
                assert entry["task"] in tasks, f"task {name} calls missing task {entry['task']}"


def test_readme_and_ci_run_the_same_commands() -> None:
    readme = (REPO_ROOT / "README.md").read_text()
    assert "./dev up" in readme
    assert "./dev test" in readme
    ci_lines = [
        line.strip()
        for line in (REPO_ROOT / ".ci" / "run").read_text().splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    assert "./dev test" in ci_lines
    dev = (REPO_ROOT / "dev").read_text()
    assert 'exec "$VENV/bin/task" "$@"' in dev
