#!/usr/bin/env python3
"""The two GPU builds must not share a linker symbol.

The kernel sources are compiled twice (nvcc: backend cuda; g++ against the emulator: backend cuda-emu) and
linked into one binary. A template or inline function that both builds emit under the same name is kept once by
the linker, so one backend silently runs the other's code: on the first GPU that ran our kernels, cuda's
clear_border called the emulator's components_on_device, whose launch refused the device's pointers. Every
GPU name therefore lives in the build's inline namespace (skb::gpu::nv or skb::gpu::emu, gpu/runtime/abi.hpp).

This test reads the defined external symbols of each build's objects (nm) and fails on any name under skb::gpu
outside that build's namespace, and on any skb::gpu name both builds define (the collision itself).

usage: abi_symbols.py --nv PATH... --emu PATH...   (object files, static libraries or folders of .o files)
       abi_symbols.py --selftest   (compiles a planted collision twice and expects exactly it to be reported)
"""
import argparse
import pathlib
import re
import subprocess
import sys
import tempfile

# Itanium-mangled names whose outermost scope is skb::gpu: plain and special names (guard variables, vtables,
# typeinfo, local statics) and cv/ref-qualified member functions.
GPU_SCOPE = re.compile(r"^_Z(?:GV|T[VIST]|Z)*N[rVKRO]*3skb3gpu(\d+)([A-Za-z_]\w*)")
EXTERNAL_TYPES = set("TDBRVWGSCui")  # defined with external (or unique / weak) linkage; lower-case t/d/b are local


def objects(paths):
    for p in map(pathlib.Path, paths):
        if p.is_dir():
            yield from sorted(p.rglob("*.o"))
        elif p.exists():
            yield p
        else:
            sys.exit(f"abi_symbols: no such object file, library or folder: {p}")


def gpu_symbols(paths):
    """Mangled name -> first object defining it, for external definitions under skb::gpu."""
    found = {}
    count = 0
    for obj in objects(paths):
        count += 1
        result = subprocess.run(["nm", "--defined-only", str(obj)], capture_output=True, text=True)
        if result.returncode != 0:
            sys.exit(f"abi_symbols: nm failed on {obj}: {result.stderr.strip()}")
        for line in result.stdout.splitlines():
            parts = line.split()
            if len(parts) == 3 and parts[1] in EXTERNAL_TYPES and GPU_SCOPE.match(parts[2]):
                found.setdefault(parts[2], obj.name)
    if count == 0:
        sys.exit(f"abi_symbols: no object files under {paths}")
    return found


def inner_scope(mangled):
    """The name just inside skb::gpu (e.g. 'nv', 'emu', or a function/class name)."""
    m = GPU_SCOPE.match(mangled)
    length = int(m.group(1))
    return (m.group(2) + mangled[m.end():])[:length]


def demangle(names):
    if not names:
        return []
    out = subprocess.run(["c++filt"], input="\n".join(names), capture_output=True, text=True).stdout
    return out.splitlines()


def check(nv_paths, emu_paths):
    """The problems found, one line each."""
    builds = {"nv": gpu_symbols(nv_paths), "emu": gpu_symbols(emu_paths)}
    problems = []
    for abi, symbols in builds.items():
        outside = sorted(s for s in symbols if inner_scope(s) != abi)
        for name, plain in zip(outside, demangle(outside)):
            problems.append(f"{abi} build ({symbols[name]}): {plain} is outside skb::gpu::{abi}")
    shared = sorted(set(builds["nv"]) & set(builds["emu"]))
    for name, plain in zip(shared, demangle(shared)):
        problems.append(f"both builds define {plain}: the linker keeps one, the other backend runs it")
    return problems, builds


# A header as the GPU sources write them: one template in the build's namespace (fine), one planted outside it.
FIXTURE = """
#if defined(SKB_GPU_EMULATOR)
#define SKB_GPU_ABI emu
#else
#define SKB_GPU_ABI nv
#endif
namespace skb::gpu::inline SKB_GPU_ABI { template <class T> T tagged(T v) { return v + 1; } }
namespace skb::gpu { template <class T> T planted(T v) { return v + 2; } }
int use(int v) { return skb::gpu::tagged(v) + skb::gpu::planted(v); }
"""


def selftest():
    with tempfile.TemporaryDirectory() as tmp:
        source = pathlib.Path(tmp) / "fixture.cpp"
        source.write_text(FIXTURE)
        for abi, flags in (("nv", []), ("emu", ["-DSKB_GPU_EMULATOR"])):
            subprocess.run(["c++", "-std=c++20", "-O0", *flags, "-c", str(source), "-o", f"{tmp}/{abi}.o"],
                           check=True)
        problems, _ = check([f"{tmp}/nv.o"], [f"{tmp}/emu.o"])
    expected = 3  # planted<int> outside nv, outside emu, and defined by both
    if len(problems) != expected or not all("planted<int>" in p for p in problems):
        print("abi_symbols selftest: expected the planted symbol 3 times, got:", *problems, sep="\n  ")
        return 1
    print("abi_symbols selftest: the planted collision is reported (3 lines), the tagged template is not")
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--nv", nargs="+")
    parser.add_argument("--emu", nargs="+")
    parser.add_argument("--selftest", action="store_true")
    args = parser.parse_args()
    if args.selftest:
        return selftest()
    if not args.nv or not args.emu:
        parser.error("--nv and --emu are required (or --selftest)")
    problems, builds = check(args.nv, args.emu)
    for p in problems[:40]:
        print(p)
    if problems:
        print(f"abi_symbols: {len(problems)} problem(s); put the code in namespace skb::gpu::inline SKB_GPU_ABI")
        return 1
    print(f"abi_symbols: nv {len(builds['nv'])}, emu {len(builds['emu'])} skb::gpu symbols, each in its build's "
          "namespace, none shared")
    return 0


if __name__ == "__main__":
    sys.exit(main())
