#!/usr/bin/env python3
"""The cross-hardware report, rendered from two machines' fixture results and a history store, then opened in
headless Chromium: every section and plot must be in the rendered DOM, the console must stay free of errors, and
no request may leave the file (the page's Content-Security-Policy blocks every fetch and Chromium logs each
attempt). A control copy of the report with one external image planted in it must fail that check, so the check
is shown to work. Saves a screenshot (report.png) next to the report, and one of the roofline section alone
(roofline.png: the README's).

Roofline: one chart per machine with its cases as points, the DRAM roof up to the measured peak and the dashed
last-level-cache roof; the fixtures' 256^2 cases fit in the cache, so they are open rings, and no case may read as
more than 100% of STREAM in the results table when its bytes fit in the cache (it reads as % of the LLC instead).

Hostile strings: results files whose context (host, CPU, GPU, commit) and file name carry HTML and Markdown
payloads must come out inert: the HTML shows them as text (no element, no request in Chromium), and the
Markdown summary (posted as a pull-request comment) keeps every table row's cell count, holds no raw tag, link
or image, and still shows the payload's words.

  render_test.py --skbench build/release/bin/skbench --fixtures tests/report/fixtures --out build/release/report-test
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

SECTIONS = ["summary", "machines", "results", "speedup", "bandwidth", "roofline", "scaling", "history"]


def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    sys.exit("render_test: no chromium on PATH (Debian package 'chromium'; ci/setup.sh installs it)")


def run_chromium(browser, html, extra, profile):
    """Loads the page offline; returns (dom, stderr)."""
    cmd = [browser, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0",
           "--host-resolver-rules=MAP * ~NOTFOUND",  # nothing resolves: a request could not succeed anyway
           "--virtual-time-budget=3000", *extra, "file://" + os.path.abspath(html)]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    if p.returncode != 0:
        sys.exit(f"render_test: chromium failed ({p.returncode}): {p.stderr[-2000:]}")
    return p.stdout, p.stderr


def console_problems(stderr):
    """Console errors and blocked requests Chromium logged (CSP violations name the refused URL)."""
    lines = []
    for line in stderr.splitlines():
        if ":CONSOLE" in line or "Refused to" in line or "net::ERR" in line or "violates" in line:
            lines.append(line.strip())
    return lines


def static_problems(html):
    out = []
    for pattern in (r"https?://", r"\bsrc\s*=", r"<script", r"<link", r"@import", r"url\("):
        if re.search(pattern, html, re.I):
            out.append(f"the HTML contains {pattern!r}")
    if "Content-Security-Policy" not in html:
        out.append("the HTML has no Content-Security-Policy")
    return out


HOSTILE = {
    "host_name": "evil|host <img src=x onerror=alert(1)>",
    "cpu_model": "CPU ![pixel](http://tracker.invalid/p.png) [click](javascript:alert(1)) **bold** | extra cell",
    "gpu": "<script>alert(2)</script>\n| injected | row |",
    "git_sha": "`whoami`<b>",
}


def table_problems(md):
    """Rows whose cell count (unescaped pipes) differs from their table's header."""
    out, header = [], None
    for line in md.splitlines():
        if not line.startswith("|"):
            header = None
            continue
        cells = len(re.findall(r"(?<!\\)\|", line))
        if header is None:
            header = cells
        elif cells != header:
            out.append(f"table row with {cells - 1} cells under a header of {header - 1}: {line[:120]}")
    return out


def hostile_problems(args, fx, browser, profile):
    """Reports from results files carrying HOSTILE in their context and a hostile file name."""
    out = []
    hostile_dir = os.path.join(args.out, "hostile")
    os.makedirs(hostile_dir, exist_ok=True)
    paths = []
    for name in ("a-1.json", "a-2.json"):  # same hostile machine twice: the gate-verdict summary too
        doc = json.load(open(fx(name)))
        doc["context"].update(HOSTILE)
        path = os.path.join(hostile_dir, f"run|{name[:-5]}<i>.json")
        json.dump(doc, open(path, "w"))
        paths.append(path)
    for inputs, tag in (([fx("b.json"), paths[0]], "machines"), (paths, "same-machine")):
        html, md = os.path.join(hostile_dir, f"{tag}.html"), os.path.join(hostile_dir, f"{tag}.md")
        subprocess.run([args.skbench, "report", *inputs, "--html", html, "--md", md], check=True,
                       stdout=subprocess.DEVNULL)
        summary = open(md).read()
        for raw in ("<img", "<script", "<b>", "<i>", "\n| injected"):
            if raw in summary:
                out.append(f"{tag}.md holds the raw payload {raw!r}")
        if re.search(r"(?<!\\)\]\(|(?<!\\)!\[", summary):
            out.append(f"{tag}.md holds an unescaped link or image")
        if "onerror" not in summary or "alert" not in summary:
            out.append(f"{tag}.md lost the hostile text instead of showing it")
        out += [f"{tag}.md: {p}" for p in table_problems(summary)]
        page = open(html).read()
        for raw in ("<img", "<script", "<b>`", "<i>"):
            if raw in page:
                out.append(f"{tag}.html holds the raw payload {raw!r}")
        dom, stderr = run_chromium(browser, html, ["--dump-dom"], profile)
        if "onerror" not in dom:
            out.append(f"{tag}.html lost the hostile text instead of showing it")
        if re.search(r"<(img|script)\b", dom):
            out.append(f"{tag}.html: the payload became an element in the DOM")
        out += [f"{tag}.html console: {p}" for p in console_problems(stderr)]
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--skbench", required=True)
    ap.add_argument("--fixtures", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    fx = lambda name: os.path.join(args.fixtures, name)
    failures = []

    # A history store with two runs of machine a: the second from the planted build whose peak memory doubles.
    db = os.path.join(args.out, "history.sqlite")
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(db + suffix):
            os.remove(db + suffix)
    subprocess.run([args.skbench, "record", "--db", db, fx("a-1.json"), fx("a-2.json")], check=True,
                   stdout=subprocess.DEVNULL)
    html, md = os.path.join(args.out, "report.html"), os.path.join(args.out, "summary.md")
    subprocess.run([args.skbench, "report", fx("a-1.json"), fx("b.json"), db, "--html", html, "--md", md], check=True)
    text = open(html).read()
    failures += static_problems(text)
    summary = open(md).read()
    if "fixture-b" not in summary or "different machines" not in summary:
        failures.append("the Markdown summary does not compare the two machines")

    # The same machine twice (a-1 then the planted a-2): the summary must carry the gate's regression verdict.
    md_same = os.path.join(args.out, "summary-same-machine.md")
    subprocess.run([args.skbench, "report", fx("a-1.json"), fx("a-2.json"), "--md", md_same], check=True,
                   stdout=subprocess.DEVNULL)
    same = open(md_same).read()
    if "REGRESSION" not in same or "peak" not in same:
        failures.append("the same-machine summary does not report the planted peak regression")

    browser = chromium()
    with tempfile.TemporaryDirectory() as profile:
        dom, stderr = run_chromium(browser, html, ["--dump-dom"], profile)
        for section in SECTIONS:
            if not re.search(rf'<section id="{section}"', dom):
                failures.append(f"section {section} missing from the rendered DOM")
        for section in ("speedup", "bandwidth", "scaling", "history"):
            body = dom.split(f'<section id="{section}"', 1)[-1].split("</section>", 1)[0]
            if "<svg" not in body or "<rect" not in body and "<path" not in body:
                failures.append(f"section {section} has no plot")
        roofline = dom.split('<section id="roofline"', 1)[-1].split("</section>", 1)[0]
        if roofline.count("<svg") != 2:
            failures.append(f"roofline: {roofline.count('<svg')} charts, want one per machine (2)")
        if 'stroke-dasharray="6 4"' not in roofline or "GFLOP/s" not in roofline:
            failures.append("roofline: no LLC roof (dashed) or no peak GFLOP/s in its legend")
        if not re.search(r'<circle [^>]*fill="none"', roofline):
            failures.append("roofline: no case marked as cache-resident (open ring), though 256^2 fits in the LLC")
        results = dom.split('<section id="results"', 1)[-1].split("</section>", 1)[0]
        over = [float(v) for v in re.findall(r">([\d.]+)%</td>", results) if float(v) > 100]
        if "% of LLC" not in results or over:
            failures.append(f"results: cache-resident cases not shown against the LLC ({len(over)} over 100% of STREAM)")
        for machine in ("fixture-b",):
            if machine not in dom:
                failures.append(f"machine {machine} missing")
        if 'class="regression"' not in dom:
            failures.append("the history chart marks no regression (the planted run doubles rgb2gray's peak)")
        problems = console_problems(stderr)
        failures += [f"console: {p}" for p in problems]

        # Control: one planted external image must be caught by the same check.
        control = os.path.join(args.out, "control.html")
        open(control, "w").write(text.replace("<body>", '<body><img src="http://report-test.invalid/x.png">', 1))
        _, control_stderr = run_chromium(browser, control, ["--dump-dom"], profile)
        if not console_problems(control_stderr):
            failures.append("control: an external image went unnoticed (the request check cannot fail)")

        failures += hostile_problems(args, fx, browser, profile)

        png = os.path.join(args.out, "report.png")
        run_chromium(browser, html, [f"--screenshot={png}", "--window-size=1400,2600", "--hide-scrollbars"], profile)
        if not os.path.exists(png) or os.path.getsize(png) < 10000:
            failures.append("no screenshot")
        # The roofline alone (the report's style, that section), for the README.
        style = re.search(r"<style>.*?</style>", text, re.S).group(0)
        section = re.search(r'<section id="roofline">.*?</section>', text, re.S).group(0)
        roof_html = os.path.join(args.out, "roofline.html")
        open(roof_html, "w").write(f"<!DOCTYPE html><html><head><meta charset=\"utf-8\">{style}</head><body>"
                                   f"{section}</body></html>")
        roof_png = os.path.join(args.out, "roofline.png")
        run_chromium(browser, roof_html, [f"--screenshot={roof_png}", "--window-size=1050,900", "--hide-scrollbars"],
                     profile)
        if not os.path.exists(roof_png) or os.path.getsize(roof_png) < 10000:
            failures.append("no roofline screenshot")

    for f in failures:
        print("FAIL:", f)
    print(f"render_test: {len(SECTIONS)} sections, {text.count('<svg')} plots, report {html}, screenshot "
          f"{os.path.join(args.out, 'report.png')}: {'FAILED' if failures else 'ok'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
