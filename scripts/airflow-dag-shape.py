#!/usr/bin/env python3
"""Reads a generated snowstage Airflow DAG with Python's ast (Airflow is not needed) and prints its shape as JSON:
the DAG's literal arguments, each task (operator and literal keyword arguments) and the dependency edges.

Exits 1 with a message when the file is not what snowstage generates: an import outside the allow-list (py_compile
accepts a misspelled module), the removed `schedule_interval`, a value that is not a literal, a task_id used twice,
or a dependency on a name that is not a task. Usage: airflow-dag-shape.py DAG.py [ALLOWED_EXTRA_MODULE ...]
"""
import ast
import json
import sys

ALLOWED_MODULES = {
    "datetime",
    "pendulum",
    "airflow",
    "airflow.sdk",
    "airflow.providers.standard.operators.bash",
    "airflow.providers.docker.operators.docker",
    "airflow.providers.common.sql.operators.sql",
}
OPERATORS = {"BashOperator", "DockerOperator", "SQLExecuteQueryOperator"}


def fail(message):
    print(message, file=sys.stderr)
    sys.exit(1)


def check_imports(tree, allowed):
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name not in allowed:
                    fail(f"line {node.lineno}: import {alias.name}, expected one of {sorted(allowed)}")
        if isinstance(node, ast.ImportFrom) and node.module not in allowed:
            fail(f"line {node.lineno}: import from {node.module}, expected one of {sorted(allowed)}")


def timedelta_value(node):
    """timedelta(seconds=N) or timedelta(minutes=N) as {"seconds": N} / {"minutes": N}."""
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "timedelta"):
        fail(f"line {node.lineno}: expected timedelta(...)")
    return {kw.arg: ast.literal_eval(kw.value) for kw in node.keywords}


def dag_arguments(call):
    args = {}
    for kw in call.keywords:
        if kw.arg == "schedule_interval":
            fail(f"line {kw.lineno}: schedule_interval was removed in Airflow 3, expected schedule")
        if kw.arg == "start_date":
            args[kw.arg] = ast.unparse(kw.value)
        elif kw.arg == "default_args":
            args[kw.arg] = default_args(kw.value)
        else:
            args[kw.arg] = ast.literal_eval(kw.value)
    return args


def default_args(node):
    if not isinstance(node, ast.Dict):
        fail(f"line {node.lineno}: default_args must be a dict literal")
    out = {}
    for key, value in zip(node.keys, node.values):
        name = ast.literal_eval(key)
        if name in ("retry_delay", "execution_timeout"):
            out[name] = timedelta_value(value)
        elif name == "on_failure_callback":
            out[name] = ast.unparse(value)
        else:
            out[name] = ast.literal_eval(value)
    return out


def find_dag(tree):
    withs = [n for n in ast.walk(tree) if isinstance(n, ast.With)]
    dags = [w for w in withs if isinstance(w.items[0].context_expr, ast.Call)
            and getattr(w.items[0].context_expr.func, "id", None) == "DAG"]
    if len(dags) != 1:
        fail(f"expected exactly one `with DAG(...)`, found {len(dags)}")
    return dags[0]


def tasks_and_edges(body):
    tasks, by_variable, edges = {}, {}, []
    for stmt in body:
        if isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Call):
            operator = getattr(stmt.value.func, "id", None)
            if operator not in OPERATORS:
                fail(f"line {stmt.lineno}: unknown operator {operator}")
            kwargs = {kw.arg: ast.literal_eval(kw.value) for kw in stmt.value.keywords}
            task_id = kwargs.pop("task_id")
            if task_id in tasks:
                fail(f"line {stmt.lineno}: task_id {task_id} used twice")
            tasks[task_id] = {"operator": operator, **kwargs}
            by_variable[stmt.targets[0].id] = task_id
        elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.BinOp):
            chain = flatten_rshift(stmt.value)
            for name in chain:
                if name not in by_variable:
                    fail(f"line {stmt.lineno}: {name} is not a task")
            edges += [[by_variable[a], by_variable[b]] for a, b in zip(chain, chain[1:])]
        else:
            fail(f"line {stmt.lineno}: unexpected statement in the DAG body")
    return tasks, edges


def flatten_rshift(node):
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.RShift):
        return flatten_rshift(node.left) + flatten_rshift(node.right)
    if isinstance(node, ast.Name):
        return [node.id]
    fail(f"line {node.lineno}: expected task names joined by >>")


def main():
    path, extra = sys.argv[1], set(sys.argv[2:])
    with open(path, encoding="utf-8") as f:
        tree = ast.parse(f.read(), filename=path)
    check_imports(tree, ALLOWED_MODULES | extra)
    dag = find_dag(tree)
    tasks, edges = tasks_and_edges(dag.body)
    shape = {"dag": dag_arguments(dag.items[0].context_expr), "tasks": tasks, "edges": sorted(edges)}
    print(json.dumps(shape, indent=2, sort_keys=True, ensure_ascii=True))


main()
