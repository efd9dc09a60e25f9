"""Prints a results JSON of `skbench bench` as a Markdown table (min of repetitions), for the README.

    python3 bench/markdown_table.py results.json [--filter REGEX]
"""
import argparse
import json
import re

OURS = ["ref", "opt", "cuda"]
PEERS = ["skimage", "scipy", "opencv"]


def fmt(ms):
    if ms is None:
        return "-"
    return f"{ms / 1000:.2f} s" if ms >= 1000 else f"{ms:.1f} ms" if ms >= 10 else f"{ms:.3f} ms"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results")
    parser.add_argument("--filter", default="")
    args = parser.parse_args()
    doc = json.load(open(args.results))
    ctx = doc["context"]
    rows = {}
    for b in doc["benchmarks"]:
        if b.get("aggregate_name") != "min" or not re.search(args.filter, b["name"]):
            continue
        rows.setdefault((b["group"], b["threads"]), {})[b["backend"]] = b
    print(f"Measured {ctx['date'][:10]} on {ctx['cpu_model']}, {ctx['num_cpus']} cores, STREAM triad "
          f"{ctx['stream_triad_GBps']:.1f} GB/s, {ctx['compiler']} {ctx['cxx_flags']}, git {ctx['git_sha']}; "
          f"peers: scikit-image {ctx['peers'].get('skimage', '-')}, SciPy {ctx['peers'].get('scipy', '-')}, "
          f"OpenCV {ctx['peers'].get('opencv', '-')}. Min of {ctx['repetitions']} interleaved repetitions.\n")
    print("| case | threads | " + " | ".join(OURS + PEERS) + " | skimage / ours | OpenCV / ours | % STREAM | peak MB | f64 MB |")
    print("|---|---|" + "---|" * (len(OURS) + len(PEERS) + 5))
    for (group, threads), cells in rows.items():
        ours = [cells[b] for b in OURS if b in cells]
        best = min(ours, key=lambda b: b["real_time"]) if ours else None

        def ratio(peer):
            return f"{cells[peer]['real_time'] / best['real_time']:.2f}x" if best and peer in cells else "-"
        tail = [ratio("skimage"), ratio("opencv")]
        if best and "bw_fraction" in best:
            tail += [f"{100 * best['bw_fraction']:.1f}", f"{best['peak_bytes'] / 1e6:.1f}", f"{best['f64_bytes'] / 1e6:.1f}"]
        else:
            tail += ["-", "-", "-"]
        cols = [fmt(cells[t]["real_time"]) if t in cells else "-" for t in OURS + PEERS]
        print(f"| {group} | {threads} | " + " | ".join(cols + tail) + " |")


if __name__ == "__main__":
    main()
