#!/usr/bin/env python3
"""summarize.py - the markdown summary of a benchmark run: ours (fewshot bench JSON lines) beside
theirs (bench/pytorch_baseline.py JSON lines), paired by the records' "pair" key, with the ratio,
our fraction of the cost-model bound, and the targets of performance.md §4.4. Standard library only.

  python3 bench/summarize.py --ours A.jsonl [--ours A2.jsonl ...] [--theirs B.jsonl ...] [--gate G.jsonl]
                             [--title TEXT] > summary.md

Ratios are "how many times better ours is": ours/theirs for rates (crops/s, tok/s, samples/s),
theirs/ours for times and memory (ms/step, GB). For M4 the warm-cache line is ours (the steady state
of an evaluation); the cold line is shown too. Where a file holds the same record twice (A/B/A/B
runs), the first is used and the spread between the two is reported.
"""
import argparse
import json
import sys

HIGHER_IS_BETTER = {"crops/s", "tok/s", "samples/s"}

# performance.md §4.4: ratio targets against the baseline, by metric and config (None: not a ratio target)
def target(pair):
    metric, _, config = pair.partition("|")
    if metric == "M1.vision":
        n = int(config.rsplit("=", 1)[-1])
        return 2.0 if n <= 9 else (1.2 if n >= 64 else None)
    if metric == "M2.prefill":
        return 1.2
    if metric == "M3.decode":
        return None if config.startswith("greedy") else 3.0
    if metric == "M4.e2e":
        return 5.0 if "shots=0" in config else 4.0
    return None


def cell(text):
    """Text for a markdown table cell (a "|" would end the cell)."""
    return str(text).replace("|", "\\|")


def load(paths):
    recs = []
    for p in paths or []:
        try:
            with open(p) as f:
                for line in f:
                    line = line.strip()
                    if line:
                        recs.append(json.loads(line))
        except FileNotFoundError:
            print(f"summarize: {p}: not found (skipped)", file=sys.stderr)
    return recs


def fmt(v, digits=4):
    if v is None:
        return "-"
    if abs(v) >= 1e5 or (0 < abs(v) < 1e-3):
        return f"{v:.3g}"
    if abs(v) >= 100:
        return f"{v:.1f}"
    return f"{v:.{digits}g}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ours", action="append", default=[])
    ap.add_argument("--theirs", action="append", default=[])
    ap.add_argument("--gate", action="append", default=[])
    ap.add_argument("--title", default="fewshot bench")
    ap.add_argument("--no-targets", action="store_true", help="leave out the §4.4 target column (CPU runs)")
    a = ap.parse_args()
    ours, theirs, gate = load(a.ours), load(a.theirs), load(a.gate)
    out = [f"# {a.title}", ""]
    gpus = sorted({r.get("gpu", "?") for r in ours + theirs})
    out.append(f"Device: {', '.join(gpus) or '-'}. Ratio = how many times better ours is (rates: ours/theirs; "
               f"times and memory: theirs/ours). Bound = our time bound / our measured time (performance.md §1.3, "
               f"harness/costmodel.h).")
    out.append("")
    if gate:
        gated = [r for r in gate if r.get("pass") is not None]
        passed = bool(gated) and all(r["pass"] for r in gated)
        out.append(f"Correctness gate (performance.md §4.3, against transformers in float32): "
                   f"**{'PASS' if passed else 'FAIL'}** ({sum(bool(r['pass']) for r in gated)}/{len(gated)} checks; "
                   f"torch_bf16.* rows: PyTorch's own bf16 run against the same reference, for context)")
        out.append("")
        out.append("| check | value | unit | ok |")
        out.append("|---|---:|---|---|")
        for r in gate:
            ok = "context" if r.get("pass") is None else ("yes" if r["pass"] else "**no**")
            out.append(f"| {r['config']} | {fmt(r['value'], 6)} | {cell(r['unit'])} | {ok} |")
        out.append("")

    def index(recs):
        d, dup = {}, {}
        for r in recs:
            if r.get("metric") in ("init", "gate"):
                continue
            k = r.get("pair") or f"{r['metric']}|{r['config']}"
            if r["metric"] == "M4.e2e" and ",cache=cold" in r.get("config", ""):
                k = k + " (cold)"
            if k in d:
                dup.setdefault(k, []).append(r)
            else:
                d[k] = r
        return d, dup

    od, odup = index(ours)
    td, tdup = index(theirs)
    keys = list(od) + [k for k in td if k not in od]
    out.append("| metric | config | ours | theirs | unit | ratio | target | bound | notes |")
    out.append("|---|---|---:|---:|---|---:|---:|---:|---|")
    met, missed = [], []
    for k in keys:
        o, t = od.get(k), td.get(k)
        r0 = o or t
        metric, _, config = k.partition("|")
        unit = r0.get("unit", "")
        ov = o.get("value") if o else None
        tv = t.get("value") if t else None
        ratio = None
        if ov and tv:
            ratio = ov / tv if unit in HIGHER_IS_BETTER else tv / ov
        tg = target(k) if not k.endswith("(cold)") and not a.no_targets else None
        notes = []
        if o and o.get("skipped"):
            notes.append(f"ours skipped: {o['skipped']}")
        if t and t.get("skipped"):
            notes.append(f"theirs skipped: {t['skipped']}")
        if o and o.get("bound") is not None:
            notes.append(f"bound {fmt(o['bound'])} {unit}")
        for extra in ("hit_rate", "s_per_5000", "bound_5000_s", "gbps", "max_in_flight"):
            if o and o.get(extra) is not None:
                notes.append(f"{extra}={fmt(o[extra])}")
        if t and t.get("s_per_5000") is not None:
            notes.append(f"theirs s_per_5000={fmt(t['s_per_5000'])}")
        if t and t.get("max_in_flight") is not None:
            notes.append(f"theirs max_in_flight={fmt(t['max_in_flight'])}")
        for dd, side in ((odup, "ours"), (tdup, "theirs")):
            if k in dd:
                vals = [x.get("value") for x in [od.get(k) if side == "ours" else td.get(k)] + dd[k]]
                notes.append(f"{side} repeated: " + ", ".join(fmt(v) for v in vals))
        if o and o.get("s_per_5000") and o.get("bound_5000_s"):
            notes.append(f"x bound(5000)={fmt(o['s_per_5000'] / o['bound_5000_s'])} (target <= 1.6)")
        bound = f"{100 * o['bound_frac']:.1f}%" if o and o.get("bound_frac") is not None else "-"
        tgs = f">= {tg:g}x" if tg else "-"
        if tg and ratio:
            (met if ratio >= tg else missed).append(k)
            tgs += " ok" if ratio >= tg else " **missed**"
        out.append(f"| {metric} | {cell(config)} | {fmt(ov)} | {fmt(tv)} | {cell(unit)} | {fmt(ratio, 3) if ratio else '-'} | "
                   f"{tgs} | {bound} | {cell('; '.join(notes))} |")
    out.append("")
    if not a.no_targets:
        out.append(f"Ratio targets met: {len(met)}; missed: {len(missed)}"
                   + (f" ({', '.join(missed)})" if missed else "") + ".")
    print("\n".join(out))


if __name__ == "__main__":
    main()
