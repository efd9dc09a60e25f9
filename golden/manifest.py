"""Reading golden/data/manifest.json from the tools that feed skbench golden inputs (ci/instruction_counts.py,
memory-tests/run_memory_tests.py). Standard library only: ci/gate.sh runs it with the system Python."""
import json
import os


def load(golden_dir):
    with open(os.path.join(golden_dir, "manifest.json")) as f:
        return json.load(f)


def largest_default_cases(manifest, ops=()):
    """Per op (of `ops`, or every op), its largest case that passes no parameters and expects a result."""
    best = {}
    for c in manifest["cases"]:
        if c["expect_error"] or c["params"] or (ops and c["op"] not in ops):
            continue
        size = 1
        for d in c["input_shape"]:
            size *= d
        if c["op"] not in best or size > best[c["op"]][0]:
            best[c["op"]] = (size, c)
    missing = [op for op in ops if op not in best]
    if missing:
        raise ValueError(f"no parameter-free golden case for {', '.join(missing)}")
    return {op: c for op, (size, c) in best.items()}


def input_files(case):
    """(name, relative path) of every input of a case: the image first, then its extra inputs by name."""
    return [("image", case["input"])] + sorted(case.get("extra_inputs", {}).items())


def in_arguments(named_paths):
    """skbench's --in arguments for (name, path) pairs: the image unnamed, the others as name=path."""
    args = []
    for name, path in named_paths:
        args += ["--in", path if name == "image" else f"{name}={path}"]
    return args
