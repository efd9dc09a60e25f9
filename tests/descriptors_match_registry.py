"""The Python op descriptors (golden/ops/<category>/<op>.py) and the C++ registry (`skbench list --json`) describe the
same ops: an op registered in C++ without a descriptor has no goldens, random cases or peers; a descriptor without a
registered op tests nothing. Where both have an op, they agree on its output names and on the names of its extra
inputs (which must be parameters of the descriptor's scikit-image call).

    .venv/bin/python tests/descriptors_match_registry.py --skbench build/release/bin/skbench

Prints one line per disagreement, naming the op; exit 1 if there is any.
"""
import argparse
import inspect
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fresh_inputs import registry_ops  # noqa: E402  (one reader of `skbench list`; it puts golden/ on the path)
import ops  # noqa: E402  (golden/ops)


def disagreements(registered, descriptors):
    for op in sorted(set(registered) - set(descriptors)):
        yield f"{op} is registered in skbench but has no op descriptor {ops.descriptor_path(op)}"
    for op in sorted(set(descriptors) - set(registered)):
        yield f"{op} has an op descriptor ({descriptors[op].path}) but skbench does not register it"
    for op in sorted(set(registered) & set(descriptors)):
        spec, desc = registered[op], descriptors[op]
        if isinstance(desc.outputs, dict):
            theirs = {int(ndim): names for ndim, names in spec.get("output_names_by_ndim", {}).items()}
            if theirs != {ndim: list(names) for ndim, names in desc.outputs.items()}:
                yield f"{op}: skbench's output names by ndim {theirs} differ from the descriptor's {desc.outputs}"
        elif list(spec.get("output_names") or []) != list(desc.outputs or []):
            yield f"{op}: skbench's output names {spec.get('output_names')} differ from the descriptor's {desc.outputs}"
        call_params = inspect.signature(desc.call).parameters
        for extra in spec.get("extra_inputs", []):
            if extra["name"] not in call_params:
                yield f"{op}: skbench's extra input {extra['name']!r} is no parameter of the descriptor's call"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skbench", required=True, help="path to the skbench binary")
    args = parser.parse_args()
    registered = {op["id"]: op for op in registry_ops(args.skbench)}
    descriptors = ops.by_op()
    problems = list(disagreements(registered, descriptors))
    for p in problems:
        print(f"FAIL: {p}")
    print(f"{len(registered)} registered ops, {len(descriptors)} descriptors, {len(problems)} disagreement(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
