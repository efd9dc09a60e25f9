#!/usr/bin/env python3
"""Every struct in the GPU sources that holds a pointer declares it to launch's argument check.

launch() checks, with full checks, that each pointer a kernel receives points into device memory: top-level
pointer arguments, a struct's `data` member (skb::View), and the pointers a struct lists in its
`device_pointers()` member. A struct with another pointer member and no `device_pointers()` would let a host
pointer reach a kernel unchecked (on a GPU: an illegal address far from its cause). This test reads gpu/**/*.cu,
*.cuh and *.hpp for struct bodies with pointer data members and fails on any that has neither `data` as its only
pointer nor a `device_pointers()` member, and on a struct holding such a struct without one (host-side holders,
which cannot be kernel arguments, and the host runtime's headers are skipped).

usage: pointer_members.py GPU_SOURCE_DIR [--selftest]
"""
import pathlib
import re
import sys

STRUCT = re.compile(r"\b(?:struct|class)\s+(\w+)(?:\s+final)?\s*(?::[^{;]*)?\{")
# A data member whose type ends in '*' (not a function, not a parameter): "const double* table = nullptr;"
POINTER_MEMBER = re.compile(r"^\s*(?:const\s+)?[\w:<>, ]+?\*\s*(?:const\s+)?(\w+)\s*(?:=\s*[^;(]*)?;", re.M)
# Runtime classes that own or hand out device memory themselves (not kernel arguments).
EXEMPT_DIRS = ("runtime/emu", "runtime/nv")
HOST_RUNTIME = re.compile(r"runtime/[^/]+\.hpp$")  # the host runtime (launch, memory, streams): no kernel arguments


def struct_bodies(text):
    """(name, body) of each struct/class, nested bodies included in their parent's and listed on their own."""
    for m in STRUCT.finditer(text):
        depth, i = 1, m.end()
        while i < len(text) and depth:
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            i += 1
        yield m.group(1), text[m.end():i - 1]


def direct_members(body):
    """The body with nested braces (member function bodies, nested structs) removed."""
    out, depth = [], 0
    for ch in body:
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif depth == 0:
            out.append(ch)
    return "".join(out)


# Members that make a struct non-trivially-copyable: such a struct can never be a kernel argument (launch
# static_asserts trivially copyable parameters), so it is a host-side holder.
HOST_SIDE = re.compile(r"std::(optional|vector|string|unique_ptr|shared_ptr|function)\b|\bDevice(Array|Buffer)\b")
# A data member of a named type: "Taps taps;", "const KeyRule rule = {};"
TYPED_MEMBER = re.compile(r"^\s*(?:const\s+)?(\w+)(?:<[^;]*>)?\s+\w+\s*(?:=[^;]*)?;", re.M)


def holders_in(text):
    """Structs that hold pointers other than `data` directly (kernel-argument candidates)."""
    return {name for name, body in struct_bodies(text)
            if set(POINTER_MEMBER.findall(direct_members(body))) - {"data"}
            and not HOST_SIDE.search(direct_members(body))}


def problems_in(text, where, holders):
    """Structs that hold pointers, directly or in a member struct that does (`holders`, from every file), and
    list none of them."""
    structs = [(name, body, direct_members(body)) for name, body in struct_bodies(text)]
    out = []
    for name, body, members in structs:
        if HOST_SIDE.search(members) or "device_pointers()" in body:
            continue
        pointers = [p for p in POINTER_MEMBER.findall(members)]
        nested = [t for t in TYPED_MEMBER.findall(members) if t in holders and t != name]
        if (pointers and pointers != ["data"]) or nested:
            what = ", ".join(pointers + [f"a {t}" for t in nested])
            out.append(f"{where}: struct {name} holds pointer(s) ({what}) but has no device_pointers()")
    return out


SELFTEST = """
struct Fine { int a; float b; };
struct Checked { const float* table = nullptr; int n;
    auto device_pointers() const { return std::array<const void*, 1>{table}; } };
struct ViewLike { float* data; long extent[3]; };
struct Planted { double* sums; int n; };
struct HostHolder { std::optional<DeviceArray> storage; const double* device = nullptr; };
struct Outer { Checked taps; int axis; };
"""


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    if sys.argv[1] == "--selftest":
        found = problems_in(SELFTEST, "selftest", holders_in(SELFTEST))
        ok = len(found) == 2 and "Planted" in found[0] and "Outer" in found[1]
        print("pointer_members selftest:", "ok" if ok else f"expected Planted and Outer, got {found}")
        return 0 if ok else 1
    root = pathlib.Path(sys.argv[1])
    sources = {str(path.relative_to(root)): path.read_text() for path in sorted(root.rglob("*"))
               if path.suffix in (".cu", ".cuh", ".hpp") and not any(d in str(path) for d in EXEMPT_DIRS)
               and not HOST_RUNTIME.search(str(path))}
    holders = set().union(*(holders_in(text) for text in sources.values()))
    problems, files = [], len(sources)
    for where, text in sources.items():
        problems += problems_in(text, where, holders)
    for p in problems:
        print(p)
    print(f"pointer_members: {files} files, {len(problems)} struct(s) with unchecked pointers")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
