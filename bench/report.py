#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""bench/report.py RAW OUT: turns bench.sh's raw measurements into
OUT/results.md, OUT/results.csv and OUT/latency_vs_store_size.png, prints the
Markdown tables, and exits non-zero when any expected figure is missing or
not a positive number (the QUICK check: complete and well-formed)."""
import csv
import glob
import math
import os
import re
import statistics
import subprocess
import sys

RAW, OUT = sys.argv[1], sys.argv[2]
problems = []


def fail(msg):
    problems.append(msg)


meta = {}
for line in open(os.path.join(RAW, "meta.txt")):
    k, _, v = line.rstrip("\n").partition("=")
    meta[k] = v

rows = []  # (id, runs_as, label)
for line in open(os.path.join(RAW, "rows.txt")):
    rid, who, label = line.rstrip("\n").split("|")
    rows.append((rid, who, label))
label_of = {r[0]: r[2] for r in rows}
who_of = {r[0]: r[1] for r in rows}

runs = list(csv.DictReader(open(os.path.join(RAW, "runs.csv"))))


def lat_samples(phase, row, size=None):
    pat = os.path.join(RAW, "lat", f"{phase}.{row}.{size or '*'}.*.c1.txt")
    vals = []
    for f in glob.glob(pat):
        vals += [float(x) for x in open(f) if x.strip()]
    return sorted(vals)


def pct(vals, p):
    if not vals:
        return float("nan")
    return vals[min(len(vals) - 1, int(round((len(vals) - 1) * p)))]


def round_medians(phase, row, size):
    out = {}
    for r in runs:
        if r["phase"] == phase and r["row"] == row and r["size"] == size and r["clients"] == "1":
            out[r["round"]] = float(r["median_us"])
    return out


def ratio_stats(phase, a, b, size_a, size_b=None):
    ma, mb = round_medians(phase, a, size_a), round_medians(phase, b, size_b or size_a)
    rs = sorted(ma[k] / mb[k] for k in ma if k in mb and mb[k] > 0)
    if not rs:
        return (float("nan"),) * 3
    return rs[0], statistics.median(rs), rs[-1]


def tp(row, clients):
    for r in runs:
        if r["phase"] == "throughput" and r["row"] == row and r["clients"] == str(clients):
            return float(r["per_s"]), int(r["fail"]), int(r["n"])
    return float("nan"), -1, 0


def f(x, nd=0):
    if isinstance(x, float) and math.isnan(x):
        return "n/a"
    return f"{x:,.{nd}f}"


def ms(us):
    return f(us / 1000.0, 2)


def good(x):
    return isinstance(x, (int, float)) and not math.isnan(x) and x > 0


csv_rows = []  # section, item, metric, value


def put(section, item, metric, value):
    csv_rows.append((section, item, metric, value))
    if isinstance(value, float) and not good(value) and metric not in ("failures",):
        fail(f"{section}/{item}/{metric} is {value}")


main = meta["main_size"]
first, last = meta["size_first"], meta["size_last"]
sizes = [e.split(":")[0] for e in meta["sizes"].split()]
md = []
md.append(f"# pam_apikey benchmark results ({meta['mode']} run)\n")
md.append(f"- machine: {meta['host']}; date {meta['date']}; commit {meta['commit']}")
md.append(f"- every figure is a full `pam_start_confdir` + `pam_authenticate` + `pam_end` "
          f"cycle through libpam, fail delay off; store of {main} keys unless said; "
          f"account password hash: {meta['account_hash']} (Debian's default); "
          f"`user` rows run as the unprivileged account pakb_bench (pam_unix through "
          f"unix_chkpwd, pam_apikey through its setuid helper), `root` rows as root")
md.append(f"- benchmark wall time: {f(float(meta['bench_s']), 0)} s\n")

# ---- main table ---------------------------------------------------------
md.append("## Cost per authentication\n")
md.append("| stack | runs as | median ms | p99 ms | auth/s 1 client | auth/s 2 clients | "
          "auth/s 8 clients | failures (8 clients) | 2/1 | 8/1 | pam_apikey good key ÷ this (min / median / max over rounds) |")
md.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
summary = {}
for rid, who, label in rows:
    s = lat_samples("latency", rid, main)
    med, p99 = pct(s, 0.5), pct(s, 0.99)
    put("latency", rid, "median_us", med)
    put("latency", rid, "p99_us", p99)
    put("latency", rid, "samples", float(len(s)))
    summary[rid] = med
    cells = [label, who, ms(med), ms(p99)]
    if rid.endswith("_root"):
        cells += ["—"] * 6
    else:
        t1, _, _ = tp(rid, 1)
        t2, _, _ = tp(rid, 2)
        t8, fl8, n8 = tp(rid, 8)
        for c, t in ((1, t1), (2, t2), (8, t8)):
            put("throughput", rid, f"auth_per_s_{c}_clients", t)
        put("throughput", rid, "failures_8_clients", fl8)
        cells += [f(t1, 0), f(t2, 0), f(t8, 0), f"{fl8} of {n8}", f(t2 / t1, 2), f(t8 / t1, 2)]
    if rid == "apikey_key":
        cells.append("1 (itself)")
    else:
        lo, mid, hi = ratio_stats("latency", "apikey_key", rid, main)
        put("ratio", f"apikey_key/{rid}", "median", mid)
        put("ratio", f"apikey_key/{rid}", "min", lo)
        put("ratio", f"apikey_key/{rid}", "max", hi)
        cells.append(f"{f(lo, 2)} / **{f(mid, 2)}** / {f(hi, 2)}")
    md.append("| " + " | ".join(cells) + " |")

md.append("\nOther ratios (median over rounds, min–max):\n")
for a, b in (("apikey_wrong", "floor"), ("apikey_pw", "unix"), ("apikey_key_root", "floor"),
             ("apikey_wrong", "apikey_key")):
    lo, mid, hi = ratio_stats("latency", a, b, main)
    put("ratio", f"{a}/{b}", "median", mid)
    md.append(f"- {label_of[a]} ÷ {label_of[b]}: **{f(mid, 2)}** ({f(lo, 2)}–{f(hi, 2)})")

# ---- store size -------------------------------------------------------------
md.append("\n## Store size\n")
md.append("| keys | good key median ms | good key p99 ms | wrong key median ms | wrong key p99 ms |")
md.append("|---|---:|---:|---:|---:|")
plot = []
for sz in sizes:
    g, w = lat_samples("scale", "apikey_key", sz), lat_samples("scale", "apikey_wrong", sz)
    for name, s in (("apikey_key", g), ("apikey_wrong", w)):
        put("scale", f"{name}@{sz}", "median_us", pct(s, 0.5))
        put("scale", f"{name}@{sz}", "p99_us", pct(s, 0.99))
    md.append(f"| {sz} | {ms(pct(g, .5))} | {ms(pct(g, .99))} | {ms(pct(w, .5))} | {ms(pct(w, .99))} |")
    plot.append((int(dict(e.split(":") for e in meta["sizes"].split())[sz]), pct(g, .5), pct(w, .5),
                 pct(g, .99)))
for name in ("apikey_key", "apikey_wrong"):
    lo, mid, hi = ratio_stats("scale", name, name, last, first)
    put("scale", f"{name} {last}/{first}", "median", mid)
    md.append(f"\n{label_of[name]}: latency {last} ÷ {first} = **{f(mid, 3)}** "
              f"(min {f(lo, 3)}, max {f(hi, 3)} over {len(round_medians('scale', name, last))} rounds)")
    summary[f"scale_{name}"] = mid

# ---- helper alone -------------------------------------------------------------
md.append("\n## The helper alone\n")
md.append("| store | peak RSS KiB (setuid run as pakb_bench) | median µs (fork+exec+verify, no PAM) |")
md.append("|---|---:|---:|")
for sz in sizes:
    rss, us = float(meta.get(f"helper_rss_kib_{sz}", "nan")), float(meta.get(f"helper_us_{sz}", "nan"))
    put("helper", sz, "peak_rss_kib", rss)
    put("helper", sz, "median_us", us)
    md.append(f"| {sz} | {f(rss)} | {f(us)} |")
md.append(f"| floor's no-op | {meta.get('noop_rss_kib')} | {meta.get('noop_us')} |")
summary["rss"] = max(float(meta.get(f"helper_rss_kib_{sz}", "nan")) for sz in sizes)


def cg_total(name):
    path = os.path.join(RAW, "callgrind", f"{name}.incl.txt")
    try:
        for line in open(path):
            m = re.match(r"\s*([\d,]+) .*PROGRAM TOTALS", line)
            if m:
                return float(m.group(1).replace(",", ""))
    except OSError:
        pass
    return float("nan")


def cg_incl(name, pattern):
    path = os.path.join(RAW, "callgrind", f"{name}.incl.txt")
    best = float("nan")
    try:
        for line in open(path):
            m = re.match(r"\s*([\d,]+) \(.*?\)\s+(\S+)", line)
            if m and re.search(pattern, m.group(2)):
                v = float(m.group(1).replace(",", ""))
                best = v if math.isnan(best) else max(best, v)
    except OSError:
        pass
    return best


md.append("\nInstructions per helper run (callgrind, as root, whole process from the first "
          "instruction of the dynamic loader to exit):\n")
md.append("| run | instructions |")
md.append("|---|---:|")
for name, what in ((f"good-{first}", f"good key, {first} store"), (f"good-{last}", f"good key, {last} store"),
                   (f"wrong-{first}", f"wrong key, {first} store"), ("noop", "the floor's no-op")):
    v = cg_total(name)
    put("callgrind", name, "instructions", v)
    md.append(f"| {what} | {f(v)} |")
summary["instr"] = cg_total(f"good-{first}")

name = f"good-{first}"
tot = cg_total(name)
parts = [
    ("dynamic loading and relocation (`_dl_start`)", r"rtld\.c:_dl_start$"),
    ("`main` (everything after start-up)", r"helper\.c:main$"),
    ("store_open (checks, sqlite3_open_v2, pragmas, schema check)", r"store\.c:store_open$"),
    ("sqlite3_open_v2", r"^\?\?\?:sqlite3_open_v2$"),
    ("sqlite3_prepare_v2 (incl. first schema parse)", r"^\?\?\?:sqlite3_prepare_v2$"),
    ("sqlite3_exec (pragmas, BEGIN/COMMIT)", r"^\?\?\?:sqlite3_exec$"),
    ("store_get_key (the lookup)", r"store\.c:store_get_key$"),
    ("store_record_use (last-used write)", r"store\.c:store_record_use$"),
    ("sqlite3_close", r"^\?\?\?:sqlite3_close$"),
    ("getpwnam (NSS, called twice)", r"getXXbyYY\.c:getpwnam$"),
    ("pepper_load", r"secret\.c:pepper_load$"),
    ("key_hash (BLAKE2b)", r"secret\.c:key_hash$"),
    ("openlog/syslog", r"syslog\.c:(__)?v?syslog|openlog"),
]
md.append(f"\nWhere the good-key run's {f(tot)} instructions go (inclusive):\n")
md.append("| part | instructions | share |")
md.append("|---|---:|---:|")
for what, pat in parts:
    v = cg_incl(name, pat)
    csv_rows.append(("callgrind_breakdown", what, "instructions", v))
    md.append(f"| {what} | {f(v)} | {f(100 * v / tot, 1) if good(v) and good(tot) else 'n/a'} % |")

# ---- apikeyctl list ------------------------------------------------------------
ls = float(meta.get("list_s", "nan"))
put("apikeyctl_list", meta["list_size"], "seconds", ls)
md.append(f"\n## apikeyctl list\n\n`apikeyctl list` of {meta['list_size']} keys "
          f"({meta.get('list_lines')} lines, to a file): **{f(ls, 3)} s** (median of 3)\n")
for sz in sizes:
    put("store", sz, "generate_s", float(meta.get(f"gen_s_{sz}", "nan")))
md.append("Store generation (genkeys, one transaction): " + ", ".join(
    f"{sz}: {f(float(meta.get(f'gen_s_{sz}', 'nan')), 2)} s / {meta.get(f'db_mib_{sz}')} MiB" for sz in sizes))

# ---- targets -----------------------------------------------------------------------
md.append("\n## Targets\n")
md.append("| target | measured | met? |")
md.append("|---|---|---|")


def target(name, value, ok):
    md.append(f"| {name} | {value} | {'yes' if ok else '**no**'} |")
    csv_rows.append(("target", name, "met", "yes" if ok else "no"))


lo, mid, hi = ratio_stats("latency", "apikey_key", "floor", main)
target("pam_apikey ≤ 1.3× the floor", f"{f(mid, 2)}× ({f(lo, 2)}–{f(hi, 2)})", mid <= 1.3)
for other in ("unix", "pwdfile", "userdb"):
    lo, mid, hi = ratio_stats("latency", "apikey_key", other, main)
    target(f"pam_apikey below {label_of[other]}", f"{f(mid, 2)}× ({f(lo, 2)}–{f(hi, 2)})", mid < 1)
v = summary["scale_apikey_key"]
target(f"{last}-key latency ≤ 1.1× {first}-key", f"{f(v, 3)}×", v <= 1.1)
fails8 = sum(max(tp(r, 8)[1], 0) for r, _, _ in rows if not r.endswith("_root"))
target("8 concurrent clients: zero failures", f"{fails8} failures (all stacks)", fails8 == 0)
t1, t2, t8 = tp("apikey_key", 1)[0], tp("apikey_key", 2)[0], tp("apikey_key", 8)[0]
target("throughput ≥ 1.7× one client (pam_apikey, 2 cores)",
       f"2 clients {f(t2 / t1, 2)}×, 8 clients {f(t8 / t1, 2)}×", max(t2, t8) / t1 >= 1.7)
target("helper peak RSS ≤ 6 MiB", f"{f(summary['rss'] / 1024, 2)} MiB", summary["rss"] <= 6 * 1024)
target(f"`apikeyctl list` of {meta['list_size']} keys ≤ 1 s", f"{f(ls, 3)} s", ls <= 1.0)

# ---- files --------------------------------------------------------------------------
os.makedirs(OUT, exist_ok=True)
with open(os.path.join(OUT, "results.csv"), "w", newline="") as fh:
    w = csv.writer(fh)
    w.writerow(["section", "item", "metric", "value"])
    for row in csv_rows:
        w.writerow(row)

png = os.path.join(OUT, "latency_vs_store_size.png")
dat = os.path.join(RAW, "plot.dat")
with open(dat, "w") as fh:
    for n, g, wr, g99 in plot:
        fh.write(f"{n} {g / 1000} {wr / 1000} {g99 / 1000}\n")
gp = f"""set terminal pngcairo size 900,520 noenhanced
set output '{png}'
set title 'pam_apikey: latency per authentication against store size ({meta['mode']} run)'
set logscale x
set xlabel 'keys in the store'
set ylabel 'ms per pam_authenticate (start+auth+end)'
set yrange [0:*]
set key outside right
set grid
plot '{dat}' using 1:2 with linespoints lw 2 title 'good key (median)', \\
     '{dat}' using 1:4 with linespoints dt 2 title 'good key (p99)', \\
     '{dat}' using 1:3 with linespoints lw 2 title 'wrong key (median)', \\
     {summary['floor'] / 1000} with lines dt 3 lw 2 title 'floor (median)', \\
     {summary['pwdfile'] / 1000} with lines dt 4 title 'pam_pwdfile (median)', \\
     {summary['userdb'] / 1000} with lines dt 5 title 'pam_userdb (median)'
"""
r = subprocess.run(["gnuplot"], input=gp, text=True, capture_output=True)
if r.returncode != 0 or not os.path.exists(png) or os.path.getsize(png) < 1000:
    # pngcairo may be missing from gnuplot-nox: fall back to the plain png terminal
    r = subprocess.run(["gnuplot"], input=gp.replace("pngcairo size 900,520", "png size 900,520"),
                       text=True, capture_output=True)
if r.returncode != 0 or not os.path.exists(png) or open(png, "rb").read(8) != b"\x89PNG\r\n\x1a\n":
    fail(f"plot not written: {r.stderr.strip()[:200]}")
md.append(f"\n![latency against store size]({os.path.basename(png)})\n")

text = "\n".join(md) + "\n"
with open(os.path.join(OUT, "results.md"), "w") as fh:
    fh.write(text)
print(text)

# ---- well-formedness ------------------------------------------------------------------
table_rows = [l for l in text.splitlines() if l.startswith("| ") and "---" not in l]
if len([l for l in table_rows if l.count("|") == 12]) != len(rows) + 1:
    fail("main table does not have one row per stack")
for rid, _, _ in rows:
    if not any(r["row"] == rid and r["phase"] == "latency" for r in runs):
        fail(f"no latency runs for {rid}")
if problems:
    for p in problems:
        print("bench: malformed:", p, file=sys.stderr)
    sys.exit(1)
print(f"bench: wrote {OUT}/results.md, results.csv, {os.path.basename(png)}")
