"""Times the peers (scikit-image, scipy.ndimage, OpenCV) on skbench's workloads, in skbench's JSON schema.

Two modes:
  run_peers.py --serve
      JSON lines on stdin/stdout. `skbench bench --with-peers` drives it, so that every repetition of a peer
      is interleaved with a repetition of skbench's own backends on the same input.
  run_peers.py --cases CASES.json --out PEERS.json [--repetitions 5] [--min-time 0.2]
      standalone: CASES.json is a list of requests like the 'time' request below (without "cmd").

Requests (serve mode), one JSON object per line:
  {"cmd": "hello"}                                   -> {"versions": {...}}
  {"cmd": "tools", "steps": [...], "ndim": 2, "dtype": "uint8", "input_kind": "smooth", "extra_inputs": ["markers"]}
                                                     -> {"tools": ["skimage", "scipy", "opencv"]}
  {"cmd": "time", "tool": "opencv", "name": "filters.gaussian/opencv/1024x1024/u8/threads:2",
   "steps": [{"op": "filters.gaussian", "params": {"sigma": "2"}}], "input": "/tmp/x.npy", "threads": 2,
   "min_time": 0.2, "extras": {"markers": "/tmp/m.npy"}}
                                                     -> one benchmark entry (see entry())
A step's params are skbench's text syntax (CLI), scikit-image's names; missing ones take scikit-image's defaults.
Each peer is given its natural input dtype (OpenCV keeps uint8 as uint8, scikit-image converts to float64):
that is how each is used, and the entry records the output dtype.
Each op's peers (and its scikit-image call) are in its op descriptor, golden/ops/<category>/<op>.py; the tools
are scikit-image and the descriptors' peer slots (scipy, opencv, itk: a tool without an equivalent is not listed).
"""
import argparse
import inspect
import json
import os
import sys
import time
import warnings

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "golden"))
import ops  # noqa: E402  (golden/ops: per op, the scikit-image call and the peers)
from ops import peers  # noqa: E402
from ops.params import call_kwargs, param_value  # noqa: E402

import scipy  # noqa: E402
import skimage  # noqa: E402

TOOLS = ("skimage",) + ops.PEER_TOOLS


def descriptor(op):
    desc = ops.by_op().get(op)
    if desc is None:
        raise ValueError(f"no op descriptor for {op!r} ({ops.descriptor_path(op)})")
    return desc


def step_function(tool, step, ndim, dtype, extras=None):
    """One step as a function image -> result for this tool, or None when the tool has no equivalent. extras: the
    step's extra inputs by scikit-image's parameter names (arrays; when only asking which tools can run, any value)."""
    desc = descriptor(step["op"])
    p = {k: param_value(v) for k, v in step.get("params", {}).items()}
    if tool == "skimage":
        extras = dict(extras or {})
        if _required_inputs(desc.call) > 1 + len(extras):  # a required input the request does not carry
            return None
        kwargs = call_kwargs(p)
        return lambda x: desc.call(x, **extras, **kwargs)
    peer = desc.peers[tool]
    return peer(p, ndim, dtype) if peer is not None else None


def _required_inputs(call):
    return sum(1 for q in inspect.signature(call).parameters.values()
               if q.default is inspect.Parameter.empty and q.kind in (q.POSITIONAL_ONLY, q.POSITIONAL_OR_KEYWORD))


def build(tool, steps, ndim, dtype, extras=None):
    """The whole pipeline as one function, or None if the tool lacks any step. A tool's one-call form of the whole
    pipeline (the last step's descriptor's FUSED_PEERS) takes precedence over composing its steps. extras: the first
    step's extra inputs (a peer tool's function takes the image alone: none of them has an op with extra inputs)."""
    fused = descriptor(steps[-1]["op"]).fused_peers.get(tool, {}).get(tuple(s["op"] for s in steps[:-1]))
    if fused is not None:
        p = {k: param_value(v) for s in steps for k, v in s.get("params", {}).items()}
        return fused(p, ndim, dtype)
    fns = []
    for i, step in enumerate(steps):
        fn = step_function(tool, step, ndim, dtype, extras if i == 0 else None)
        if fn is None:
            return None
        fns.append(fn)

    def pipeline(x):
        for fn in fns:
            x = fn(x)
        return x
    return pipeline


# ---------------------------------------------------------------- timing

def _rss_kb(key):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key):
                return int(line.split()[1])
    return -1


def peak_rss_delta(fn, x):
    """Peak resident bytes added by one call, via the kernel's high-water mark (reset through clear_refs)."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        fn(x)
        return -1
    base = _rss_kb("VmHWM:")
    fn(x)
    return (_rss_kb("VmHWM:") - base) * 1024


_loaded = {}


def load(path):
    """The array at path; the last few stay loaded (a group's image and extra inputs, reused every repetition)."""
    if path not in _loaded:
        while len(_loaded) >= 4:
            del _loaded[next(iter(_loaded))]
        _loaded[path] = np.load(path)
    return _loaded[path]


def time_request(req):
    x = load(req["input"])
    extras = {name: load(path) for name, path in req.get("extras", {}).items()}
    ndim = x.ndim - (descriptor(req["steps"][0]["op"]).channel_axis is not None)  # a channel axis is not spatial
    fn = build(req["tool"], req["steps"], ndim, str(x.dtype), extras)
    if fn is None:
        return {"error": f"{req['tool']} has no equivalent"}
    threads = int(req.get("threads", 1))
    cv2 = peers.opencv()
    if cv2 is not None:
        cv2.setNumThreads(threads)
    if req["tool"] == "itk":
        peers.itk().MultiThreaderBase.SetGlobalDefaultNumberOfThreads(threads)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        peak = peak_rss_delta(fn, x)  # also the warm-up call
        out = np.asarray(fn(x))
        iterations, start, cpu_start = 0, time.perf_counter(), time.process_time()
        while True:
            fn(x)
            iterations += 1
            elapsed = time.perf_counter() - start
            if elapsed >= float(req.get("min_time", 0.2)):
                break
        cpu = time.process_time() - cpu_start
    return entry(req, iterations, elapsed / iterations, cpu / iterations, peak, str(out.dtype), x)


def entry(req, iterations, real_s, cpu_s, peak, out_dtype, x):
    """One benchmark entry in Google Benchmark's JSON schema, with the fields skbench adds."""
    threads = int(req.get("threads", 1))
    return {
        "name": req["name"], "run_name": req["name"], "run_type": "iteration", "iterations": iterations,
        "real_time": real_s * 1e3, "cpu_time": cpu_s * 1e3, "time_unit": "ms", "threads": threads,
        "tool": req["tool"], "workload": req["name"].split("/")[0], "op": req["steps"][-1]["op"],
        "shape": list(x.shape), "dtype": str(x.dtype), "out_dtype": out_dtype,
        "cpu_util": cpu_s / (real_s * threads) if real_s > 0 else 0.0,
        "rss_peak_delta_bytes": peak,
    }


def versions():
    v = {"python": sys.version.split()[0], "numpy": np.__version__, "scipy": scipy.__version__,
         "skimage": skimage.__version__}
    cv2 = peers.opencv()
    if cv2 is not None:
        v["opencv"] = cv2.__version__
    itk = peers.itk()
    if itk is not None:
        v["itk"] = itk.Version.GetITKVersion()
    return v


def serve():
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            req = json.loads(line)
            cmd = req.get("cmd")
            if cmd == "hello":
                reply = {"versions": versions()}
            elif cmd == "tools":
                extras = dict.fromkeys(req.get("extra_inputs", []))
                reply = {"tools": [t for t in TOOLS
                                   if build(t, req["steps"], req["ndim"], req["dtype"], extras) is not None]}
            elif cmd == "time":
                reply = time_request(req)
            else:
                reply = {"error": f"unknown cmd {cmd!r}"}
        except Exception as e:  # report, keep serving: one peer failing must not lose the run
            reply = {"error": f"{type(e).__name__}: {e}"}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


def standalone(args):
    with open(args.cases) as f:
        requests = json.load(f)
    entries = []
    for req in requests:
        for rep in range(args.repetitions):
            req = dict(req, min_time=args.min_time)
            e = time_request(req)
            if "error" in e:
                print(f"{req['name']}: {e['error']}", file=sys.stderr)
                break
            e.update(repetitions=args.repetitions, repetition_index=rep)
            entries.append(e)
            print(f"{e['name']} rep {rep + 1}/{args.repetitions}: {e['real_time']:.3f} ms", file=sys.stderr)
    out = {"context": {"peers": versions()}, "benchmarks": entries}
    tmp = args.out + ".tmp"
    with open(tmp, "w") as f:
        json.dump(out, f, indent=1)
    os.replace(tmp, args.out)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument("--serve", action="store_true", help="JSON-lines server for skbench bench")
    parser.add_argument("--cases", help="standalone: requests JSON")
    parser.add_argument("--out", help="standalone: results JSON")
    parser.add_argument("--repetitions", type=int, default=5)
    parser.add_argument("--min-time", type=float, default=0.2)
    args = parser.parse_args()
    if args.serve:
        serve()
    elif args.cases and args.out:
        standalone(args)
    else:
        parser.error("give --serve, or --cases and --out")


if __name__ == "__main__":
    main()
