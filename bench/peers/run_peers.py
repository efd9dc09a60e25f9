"""Times the peers (scikit-image, scipy.ndimage, OpenCV) on skbench's workloads, in skbench's JSON schema.

Two modes:
  run_peers.py --serve
      JSON lines on stdin/stdout. `skbench bench --with-peers` drives it, so that every repetition of a peer
      is interleaved with a repetition of skbench's own backends on the same input.
  run_peers.py --cases CASES.json --out PEERS.json [--repetitions 5] [--min-time 0.2]
      standalone: CASES.json is a list of requests like the 'time' request below (without "cmd").

Requests (serve mode), one JSON object per line:
  {"cmd": "hello"}                                   -> {"versions": {...}}
  {"cmd": "tools", "steps": [...], "ndim": 2, "dtype": "uint8", "input_kind": "smooth"}
                                                     -> {"tools": ["skimage", "scipy", "opencv"]}
  {"cmd": "time", "tool": "opencv", "name": "filters.gaussian/opencv/1024x1024/u8/threads:2",
   "steps": [{"op": "filters.gaussian", "params": {"sigma": "2"}}], "input": "/tmp/x.npy", "threads": 2,
   "min_time": 0.2}                                  -> one benchmark entry (see entry())
A step's params are skbench's text syntax (CLI), scikit-image's names; missing ones take scikit-image's defaults.
Each peer is given its natural input dtype (OpenCV keeps uint8 as uint8, scikit-image converts to float64):
that is how each is used, and the entry records the output dtype.
"""
import argparse
import json
import os
import sys
import time
import warnings

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "golden"))
from generate import OPS, _footprint, _kwargs  # noqa: E402  (one mapping to scikit-image calls)

import scipy  # noqa: E402
import scipy.ndimage as ndi  # noqa: E402
import skimage  # noqa: E402
from skimage.util import img_as_float  # noqa: E402

try:
    import cv2
except ImportError:  # OpenCV is optional: its columns stay empty
    cv2 = None


def value(text):
    """skbench's parameter text to a Python value (what golden/generate.py's _kwargs expects)."""
    if text in ("true", "false"):
        return text == "true"
    if "," in text:
        return tuple(value(t) for t in text.split(","))
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return text


def params_of(step):
    return {k: value(v) for k, v in step.get("params", {}).items()}


# ---------------------------------------------------------------- per-tool implementations of one step
# Each returns a function image -> result, or None when the tool has no equivalent for these parameters.

def skimage_step(op, p, ndim, dtype):
    func = OPS[op]
    kwargs = _kwargs(p)
    return lambda x: func(x, **kwargs)


def _fp(p, ndim):
    return _footprint(p["footprint"]) if "footprint" in p else ndi.generate_binary_structure(ndim, 1)


def scipy_step(op, p, ndim, dtype):
    if op == "filters.gaussian":
        sigma = p.get("sigma", 1.0)
        kw = dict(mode=p.get("mode", "nearest"), cval=p.get("cval", 0.0), truncate=p.get("truncate", 4.0))
        return lambda x: ndi.gaussian_filter(img_as_float(x), sigma, **kw)
    if op == "filters.sobel":
        mode = p.get("mode", "reflect")
        if "axis" in p:
            return lambda x: ndi.sobel(img_as_float(x), p["axis"], mode=mode)

        def magnitude(x):
            x = img_as_float(x)
            return np.sqrt(sum(ndi.sobel(x, a, mode=mode) ** 2 for a in range(x.ndim))) / np.sqrt(x.ndim)
        return magnitude
    if op == "measure.label" and dtype in ("bool", "uint8"):
        structure = ndi.generate_binary_structure(ndim, p.get("connectivity", ndim))
        return lambda x: ndi.label(x, structure=structure)[0]
    gray = {"morphology.erosion": ndi.grey_erosion, "morphology.dilation": ndi.grey_dilation,
            "morphology.opening": ndi.grey_opening, "morphology.closing": ndi.grey_closing}
    if op in gray and p.get("mode", "reflect") in ("reflect", "mirror", "nearest", "wrap", "constant"):
        fp, fn = _fp(p, ndim), gray[op]
        return lambda x: fn(x, footprint=fp, mode=p.get("mode", "reflect"))
    binary = {"morphology.binary_erosion": ndi.binary_erosion, "morphology.binary_dilation": ndi.binary_dilation,
              "morphology.binary_opening": ndi.binary_opening, "morphology.binary_closing": ndi.binary_closing}
    if op in binary:
        fp, fn = _fp(p, ndim), binary[op]
        return lambda x: fn(x, structure=fp)
    return None


CV_BORDER = {} if cv2 is None else {
    "reflect": cv2.BORDER_REFLECT, "mirror": cv2.BORDER_REFLECT_101, "nearest": cv2.BORDER_REPLICATE,
    "constant": cv2.BORDER_CONSTANT}


def _box_extents(p, ndim):
    """The extents of a full-box footprint (square, cube, rectangle), else None."""
    spec = p.get("footprint")
    if not isinstance(spec, str):
        return None
    kind, _, arg = spec.partition(":")
    if kind in ("square", "cube"):
        return (int(arg),) * ndim if (kind == "square") == (ndim == 2) else None
    if kind == "rectangle":
        ext = tuple(int(s) for s in arg.split("x"))
        return ext if len(ext) == ndim else None
    return None


def _along_axis0(fn_2d, kernel_column):
    """Applies a 2-D OpenCV filter to (Z, Y*X) so that it acts along axis 0 of a volume."""
    def apply(v):
        flat = np.ascontiguousarray(v.reshape(v.shape[0], -1))
        return fn_2d(flat, kernel_column).reshape(v.shape)
    return apply


def opencv_step(op, p, ndim, dtype):
    binary_input_op = op == "measure.label" or op.startswith("morphology.binary_")
    if cv2 is None or (dtype == "bool" and not binary_input_op):
        return None
    mode = p.get("mode")
    if op == "color.rgb2gray" and ndim == 2:
        return lambda x: cv2.cvtColor(x, cv2.COLOR_RGB2GRAY)
    if op == "filters.gaussian":
        border = CV_BORDER.get(mode or "nearest")
        if border is None or p.get("cval", 0) != 0:
            return None
        sig = p.get("sigma", 1.0)
        sig = list(sig) if isinstance(sig, tuple) else [sig] * ndim
        t = p.get("truncate", 4.0)
        k = [2 * int(t * s + 0.5) + 1 for s in sig]
        if ndim == 2:
            return lambda x: cv2.GaussianBlur(x, (k[1], k[0]), sigmaX=sig[1], sigmaY=sig[0], borderType=border)
        # The peer's 3-D form (issue 4): GaussianBlur per slice, then a 1-d pass along axis 0 with sepFilter2D.
        g = cv2.getGaussianKernel(k[0], sig[0])
        axis0 = _along_axis0(lambda m, kc: cv2.sepFilter2D(m, -1, np.ones((1, 1)), kc, borderType=border), g)

        def volume(v):
            out = np.empty_like(v)
            for z in range(v.shape[0]):
                out[z] = cv2.GaussianBlur(v[z], (k[2], k[1]), sigmaX=sig[2], sigmaY=sig[1], borderType=border)
            return axis0(out)
        return volume
    if op == "filters.sobel" and ndim == 2:
        border = CV_BORDER.get(mode or "reflect")
        if border is None or "axis" in p:
            return None
        return lambda x: cv2.magnitude(cv2.Sobel(x, cv2.CV_32F, 1, 0, ksize=3, borderType=border),
                                       cv2.Sobel(x, cv2.CV_32F, 0, 1, ksize=3, borderType=border))
    if op == "filters.threshold_otsu" and dtype == "uint8":
        # Otsu's threshold is global, so a volume is thresholded as one tall 2-D image.
        return lambda x: cv2.threshold(x.reshape(-1, x.shape[-1]), 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)[0]
    if op == "measure.label" and ndim == 2 and dtype in ("bool", "uint8"):
        conn = 4 if p.get("connectivity", 2) == 1 else 8
        return lambda x: cv2.connectedComponents(x.view(np.uint8), connectivity=conn)[1]
    morph = {"erosion": cv2.MORPH_ERODE, "dilation": cv2.MORPH_DILATE, "opening": cv2.MORPH_OPEN,
             "closing": cv2.MORPH_CLOSE} if cv2 is not None else {}
    name = op.split(".")[1].replace("binary_", "")
    if op.startswith("morphology.") and name in morph:
        binary = op.startswith("morphology.binary_")
        border = cv2.BORDER_CONSTANT if binary or mode in ("max", "min", "ignore") else CV_BORDER.get(mode or "reflect")
        if border is None:
            return None
        kind = morph[name]
        if ndim == 2:
            kernel = _fp(p, 2).astype(np.uint8)
            if binary:
                return lambda x: cv2.morphologyEx(x.view(np.uint8), kind, kernel, borderType=border)
            return lambda x: cv2.morphologyEx(x, kind, kernel, borderType=border)
        box = _box_extents(p, 3)
        if box is None or kind not in (cv2.MORPH_ERODE, cv2.MORPH_DILATE):
            return None
        # A box footprint in 3-D: per slice with the 2-D box, then along axis 0 (the peer form of issue 4).
        plane = np.ones(box[1:], np.uint8)
        axis0 = _along_axis0(lambda m, kc: cv2.morphologyEx(m, kind, kc, borderType=border), np.ones((box[0], 1), np.uint8))

        def volume(v):
            v = v.view(np.uint8) if binary else v
            out = np.empty_like(v)
            for z in range(v.shape[0]):
                out[z] = cv2.morphologyEx(v[z], kind, plane, borderType=border)
            return axis0(out)
        return volume
    return None


TOOLS = {"skimage": skimage_step, "scipy": scipy_step, "opencv": opencv_step}


def build(tool, steps, ndim, dtype):
    """The whole pipeline as one function, or None if the tool lacks any step."""
    fns = []
    for step in steps:
        fn = TOOLS[tool](step["op"], params_of(step), ndim, dtype)
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
    if path not in _loaded:
        _loaded.clear()
        _loaded[path] = np.load(path)
    return _loaded[path]


def time_request(req):
    x = load(req["input"])
    ndim = x.ndim - (1 if req["steps"][0]["op"] == "color.rgb2gray" else 0)
    fn = build(req["tool"], req["steps"], ndim, str(x.dtype))
    if fn is None:
        return {"error": f"{req['tool']} has no equivalent"}
    threads = int(req.get("threads", 1))
    if cv2 is not None:
        cv2.setNumThreads(threads)
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
    if cv2 is not None:
        v["opencv"] = cv2.__version__
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
                reply = {"tools": [t for t in TOOLS if build(t, req["steps"], req["ndim"], req["dtype"]) is not None]}
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
