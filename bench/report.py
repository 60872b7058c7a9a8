#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""bench/report.py RAW OUT: turns bench.sh's raw measurements into
OUT/results.md and OUT/results.csv and prints the Markdown tables.  Targets
are reported as met or missed, never enforced.  Exits non-zero when an
expected figure is missing or not a positive number (the QUICK check:
complete and well-formed), or when the delete load counted a login
accepted after its key's delete returned, a false refusal, or an
unexpected PAM result, or when the fleet part (bench/fleet.sh) saw a host
not accept a new central key or not refuse a deleted one, a whole login
that did not confirm a host's answer, a failed command or an agent
error.  Reports the parts the run made (meta "parts": login, fleet)."""
import csv
import glob
import math
import os
import statistics
import sys

RAW, OUT = sys.argv[1], sys.argv[2]
problems = []  # malformed results
wrong = []  # correctness counts that are not zero

meta = {}
for line in open(os.path.join(RAW, "meta.txt")):
    k, _, v = line.rstrip("\n").partition("=")
    meta[k] = v
parts = meta.get("parts", "login").split()

rows = []  # (id, runs_as, label)
for line in open(os.path.join(RAW, "rows.txt")):
    rid, who, label = line.rstrip("\n").split("|")
    rows.append((rid, who, label))
label_of = {r[0]: r[2] for r in rows}
runs = list(csv.DictReader(open(os.path.join(RAW, "runs.csv"))))
main = meta["main_size"]
WHO = ("root", "user")
ME = "pam_apikey via apikeyd"


def nan():
    return float("nan")


def good(x):
    return isinstance(x, (int, float)) and not math.isnan(x) and x > 0


def f(x, nd=0):
    if isinstance(x, float) and math.isnan(x):
        return "n/a"
    return f"{x:,.{nd}f}"


def ms(us):
    return f(us / 1000.0, 2)


def lat_samples(phase, row, size):
    vals = []
    for p in glob.glob(os.path.join(RAW, "lat", f"{phase}.{row}.{size}.*.c1.txt")):
        vals += [float(x) for x in open(p) if x.strip()]
    return sorted(vals)


def pct(vals, p):
    if not vals:
        return nan()
    return vals[min(len(vals) - 1, int(round((len(vals) - 1) * p)))]


def select(phase, row, size, clients):
    return [r for r in runs if r["phase"] == phase and r["row"] == row
            and r["size"] == size and r["clients"] == str(clients)]


def round_medians(phase, row, size):
    return {r["round"]: float(r["median_us"]) for r in select(phase, row, size, 1)}


def ratio_stats(phase, a, b, size_a, size_b=None):
    """min, median, max over rounds of a's median / b's median"""
    ma, mb = round_medians(phase, a, size_a), round_medians(phase, b, size_b or size_a)
    rs = sorted(ma[k] / mb[k] for k in ma if k in mb and mb[k] > 0)
    if not rs:
        return nan(), nan(), nan()
    return rs[0], statistics.median(rs), rs[-1]


def rate(phase, row, size, clients):
    """logins/s (median over runs), failures and logins summed"""
    sel = select(phase, row, size, clients)
    if not sel:
        return nan(), -1, 0
    return (statistics.median(float(r["per_s"]) for r in sel),
            sum(int(r["fail"]) for r in sel), sum(int(r["n"]) for r in sel))


csv_rows = []  # section, item, metric, value


def put(section, item, metric, value, must=True):
    csv_rows.append((section, item, metric, value))
    if must and isinstance(value, float) and not good(value):
        problems.append(f"{section}/{item}/{metric} is {value}")


def triple(t, nd=2):
    lo, mid, hi = t
    return f"{f(lo, nd)} / **{f(mid, nd)}** / {f(hi, nd)}"


md = [f"# pam_apikey benchmark results ({meta['mode']} run)\n",
      f"- machine: {meta['host']}; date {meta['date']}; commit {meta['commit']}",
      f"- parts: {', '.join(parts)}",
      "- every login figure is a whole login through libpam: `pam_start_confdir` -> "
      "`pam_authenticate` -> `pam_acct_mgmt` -> `pam_end`, fail delay off; "
      f"store of {main} keys unless said; `root` rows run as root (sshd's case), "
      "`user` rows as the unprivileged account pakb_bench verifying its own key "
      "or password",
      "- pam_apikey's account stage is pam_apikey's own; the other stacks' is "
      "pam_permit. Rows \"via apikeyd\" name an absent helper, so a login the "
      "daemon did not answer counts as a failure",
      f"- benchmark wall time: {f(float(meta['bench_s']), 0)} s\n"]


def target(name, value, ok):
    """ok: True, False, or None (not measured in this run)"""
    met = "n/a" if ok is None else "yes" if ok else "no"
    md.append(f"| {name} | {value} | {'**no**' if met == 'no' else met} |")
    csv_rows.append(("target", name, "met", met))


def report_login():
    """The login part (bench.sh sections 1 to 6): its tables and the
    targets of issue 14."""
    first, last = meta["size_first"], meta["size_last"]
    # ---- whole logins ---------------------------------------------------------------
    md.append("## A whole login\n")
    md.append("| stack | as | median ms | p99 ms | logins/s 1 client | 2 clients | 8 clients "
              "| failures 2 / 8 clients | ÷ floor (min / median / max) | ÷ pam_pwdfile (median) |")
    md.append("|---|---|---:|---:|---:|---:|---:|---|---|---:|")
    for rid, who, label in rows:
        stack = rid.rsplit("_", 1)[0]
        s = lat_samples("latency", rid, main)
        put("latency", rid, "median_us", pct(s, 0.5))
        put("latency", rid, "p99_us", pct(s, 0.99))
        t1 = rate("latency", rid, main, 1)[0]
        t2, f2, n2 = rate("throughput", rid, main, 2)
        t8, f8, n8 = rate("throughput", rid, main, 8)
        for c, t in ((1, t1), (2, t2), (8, t8)):
            put("throughput", rid, f"logins_per_s_{c}_clients", t)
        put("throughput", rid, "failures_2_clients", f2, must=False)
        put("throughput", rid, "failures_8_clients", f8, must=False)
        if f2 < 0 or f8 < 0:
            problems.append(f"no throughput runs for {rid}")
        cells = [label, who, ms(pct(s, 0.5)), ms(pct(s, 0.99)), f(t1), f(t2), f(t8),
                 f"{f2} of {n2} / {f8} of {n8}"]
        if stack == "floor":
            cells.append("1 (itself)")
        else:
            t = ratio_stats("latency", rid, f"floor_{who}", main)
            put("ratio", f"{rid}/floor_{who}", "median", t[1])
            cells.append(triple(t))
        if stack == "pwdfile":
            cells.append("1 (itself)")
        else:
            t = ratio_stats("latency", rid, f"pwdfile_{who}", main)
            put("ratio", f"{rid}/pwdfile_{who}", "median", t[1])
            cells.append(f(t[1], 2))
        md.append("| " + " | ".join(cells) + " |")

    md.append("\nOther ratios (median over rounds, min–max):\n")
    for a, b, what in (("apikeyd", "helper", "via apikeyd ÷ via the helper"),
                       ("helper", "authonly", "via the helper ÷ its authenticate-only "
                        "(the account stage's second helper run)"),
                       ("apikeyd", "unix", "via apikeyd ÷ pam_unix"),
                       ("apikeyd", "userdb", "via apikeyd ÷ pam_userdb")):
        for who in WHO:
            lo, mid, hi = ratio_stats("latency", f"{a}_{who}", f"{b}_{who}", main)
            put("ratio", f"{a}_{who}/{b}_{who}", "median", mid)
            md.append(f"- {what}, {who}: **{f(mid, 2)}** ({f(lo, 2)}–{f(hi, 2)})")

    # ---- store size ------------------------------------------------------------------
    md.append(f"\n## Store size: {first} and {last} keys\n")
    md.append(f"| path | as | {first} median ms | {first} p99 ms | {last} median ms | "
              f"{last} p99 ms | {last} ÷ {first} (min / median / max) |")
    md.append("|---|---|---:|---:|---:|---:|---|")
    scale = {}
    for rid in ("apikeyd_root", "apikeyd_user", "helper_root", "helper_user"):
        a, b = lat_samples("scale", rid, first), lat_samples("scale", rid, last)
        for sz, s in ((first, a), (last, b)):
            put("scale", f"{rid}@{sz}", "median_us", pct(s, 0.5))
            put("scale", f"{rid}@{sz}", "p99_us", pct(s, 0.99))
        t = ratio_stats("scale", rid, rid, last, first)
        put("scale", f"{rid} {last}/{first}", "median", t[1])
        scale[rid] = t[1]
        path, who = rid.rsplit("_", 1)
        md.append(f"| {'apikeyd' if path == 'apikeyd' else 'the helper'} | {who} | "
                  f"{ms(pct(a, .5))} | {ms(pct(a, .99))} | {ms(pct(b, .5))} | "
                  f"{ms(pct(b, .99))} | {triple(t, 3)} |")
    scale8 = {}
    for who in WHO:
        t, fl, n = rate("scale8", f"apikeyd_{who}", last, 8)
        put("scale", f"apikeyd_{who}@{last}", "logins_per_s_8_clients", t)
        scale8[who] = (t, fl, n)
    md.append(f"\n8 clients via apikeyd at {last} keys: root {f(scale8['root'][0])} logins/s "
              f"({scale8['root'][1]} failures of {scale8['root'][2]}), user "
              f"{f(scale8['user'][0])} logins/s ({scale8['user'][1]} failures of {scale8['user'][2]})")
    md.append("\nStore generation (genkeys, one transaction): " + ", ".join(
        f"{sz}: {f(float(meta.get(f'gen_s_{sz}', 'nan')), 2)} s / {meta.get(f'db_mib_{sz}')} MiB"
        for sz in (first, last)))

    # ---- memory ------------------------------------------------------------------------
    md.append(f"\n## Memory at {last} keys\n")
    md.append("| process | peak (VmHWM) KiB | now (VmRSS) KiB |")
    md.append("|---|---:|---:|")
    mem = {}
    for p, what in (("apikeyd", "apikeyd (the server, after the 8-client runs)"),
                    ("writer", "apikeyd's tracking writer (a process of its own)")):
        hwm, rss = (float(meta.get(f"{p}_{k}_kib", "nan")) for k in ("VmHWM", "VmRSS"))
        put("memory", p, "vmhwm_kib", hwm)
        put("memory", p, "vmrss_kib", rss)
        mem[p] = hwm
        md.append(f"| {what} | {f(hwm)} | {f(rss)} |")
    hr = float(meta.get("helper_rss_kib", "nan"))
    put("memory", "helper", "peak_rss_kib", hr)
    md.append(f"| the helper, one run as pakb_bench (peak RSS from wait4) | {f(hr)} | — |")

    # ---- delete load -----------------------------------------------------------------------
    ld = {k[5:]: v for k, v in meta.items() if k.startswith("load_")}
    md.append("\n## Logins while keys are deleted\n")
    md.append(f"{ld.get('clients', '?')} clients log in as root via apikeyd for "
              f"{f(float(ld.get('seconds', 'nan')), 1)} s, half the time with the key next "
              f"to the one being deleted, half the time with any key of a pool of "
              f"{ld.get('pool', '?')}; a deleter runs `apikeyctl delete ID --yes` on the first "
              "half of the pool, evenly over the run, and records when each delete started "
              "and returned (CLOCK_MONOTONIC, as the logins).\n")
    md.append("| logins | logins/s | accepted | refused | deletes | failed deletes | "
              "accepted while their delete ran | refused while their delete ran | "
              "(a) accepted after the delete returned | (b) refused before the delete started | "
              "unexpected PAM results |")
    md.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    keys = ("logins", "per_s", "accepted", "refused", "deletes", "delete_fail",
            "race_accepted", "race_refused", "late_accepts", "false_refusals", "unexpected")
    for k in keys:
        if k not in ld:
            problems.append(f"delete load: no {k}")
    md.append("| " + " | ".join(
        (f(float(ld[k])) if k == "per_s" else ld[k]) if k in ld else "n/a" for k in keys) + " |")
    for k in ("logins", "per_s", "accepted", "refused", "deletes"):
        put("delete_load", "apikeyd_root", k, float(ld.get(k, "nan")))
    for k, what in (("late_accepts", "logins accepted after their key's delete returned"),
                    ("false_refusals", "refusals of keys whose delete had not started"),
                    ("unexpected", "unexpected PAM results")):
        v = ld.get(k, "nan")
        csv_rows.append(("delete_load", "apikeyd_root", k, v))
        if v != "0":
            wrong.append(f"delete load: {v} {what}")

    # ---- targets -------------------------------------------------------------------------
    md.append("\n## Targets (issue 14)\n")
    md.append("| target | measured | met? |")
    md.append("|---|---|---|")

    for who in WHO:
        lo, mid, hi = ratio_stats("latency", f"apikeyd_{who}", f"floor_{who}", main)
        target(f"via apikeyd, a whole login ≤ 1.0× the floor ({who})",
               f"{f(mid, 2)}× ({f(lo, 2)}–{f(hi, 2)})", mid <= 1.0)
    for who in WHO:
        lo, mid, hi = ratio_stats("latency", f"apikeyd_{who}", f"pwdfile_{who}", main)
        target(f"via apikeyd ≤ 0.5× pam_pwdfile ({who})",
               f"{f(mid, 2)}× ({f(lo, 2)}–{f(hi, 2)})", mid <= 0.5)
    for who in WHO:
        t8, f8, n8 = rate("throughput", f"apikeyd_{who}", main, 8)
        target(f"8 clients via apikeyd ≥ 5,000 logins/s, zero failures ({who})",
               f"{f(t8)} logins/s, {f8} failures of {n8}", t8 >= 5000 and f8 == 0)
    for who in WHO:
        lo, mid, hi = ratio_stats("latency", f"helper_{who}", f"floor_{who}", main)
        target(f"via the helper ≤ 2× the floor ({who})",
               f"{f(mid, 2)}× ({f(lo, 2)}–{f(hi, 2)})", mid <= 2.0)
    for rid, v in scale.items():
        path, who = rid.rsplit("_", 1)
        target(f"{last} keys ≤ 1.1× {first} keys ({'apikeyd' if path == 'apikeyd' else 'helper'}, {who})",
               f"{f(v, 3)}×", v <= 1.1)
    target(f"apikeyd RSS ≤ 8 MiB at {last} keys", f"{f(mem['apikeyd'] / 1024, 2)} MiB peak "
           f"(its writer: {f(mem['writer'] / 1024, 2)} MiB)", mem["apikeyd"] <= 8 * 1024)
    for k, what in (("late_accepts", "(a) zero logins accepted after their key's delete returned"),
                    ("false_refusals", "(b) zero false refusals under deletes"),
                    ("delete_fail", "every `apikeyctl delete` under load succeeded")):
        target(what, f"{ld.get(k, 'n/a')} {'failed' if k == 'delete_fail' else ''}".strip(),
               ld.get(k) == "0")


def lines_of(name):
    path = os.path.join(RAW, name)
    if not os.path.exists(path):
        problems.append(f"no {name}")
        return []
    return [l.split() for l in open(path) if l.strip()]


def report_fleet():
    """The fleet part (bench/fleet.sh): revocation with 20 agents, the
    initial synchronisation, a central key's login against a local one's;
    the targets of issue 15."""
    fm = lambda k, d="nan": meta.get(f"fleet_{k}", d)
    hosts = fm("hosts", "?")
    md.append("\n## Many hosts: one central store (issue 15)\n")
    md.append(f"PostgreSQL {fm('postgres', '?')} on a unix socket (a private server, "
              f"default settings); {hosts} hosts on this machine, each with its own "
              "store and its own `apikey-sync` logging in as its own role (`IN ROLE "
              f"apikey_agent`); the {hosts} agents connected and made their first "
              f"synchronisation in {f(float(fm('start_s')), 2)} s.\n")

    # ---- revocation -----------------------------------------------------------------
    rv = lines_of("fleet_revoke.txt")
    created = sorted(float(x[2]) for x in rv)
    raw_revoke = [float(x[3]) for x in rv]
    revoke = sorted(max(0.0, v) for v in raw_revoke)
    deletes = sorted({(x[0], float(x[4])) for x in rv})
    delete_ms = sorted(v for _, v in deletes)
    trials = len(deletes)
    md.append("### Revocation: `apikeyctl --central delete` returned -> refused on the host\n")
    md.append(f"{trials} trials: a key of pakb_bench created centrally, accepted on every "
              "host, then deleted centrally 100–200 ms later; each host's store is checked "
              "with the product's `verify_key` (as apikeyd holds it: open, read-only) "
              f"until it refuses the key; a sweep of the {hosts} hosts took "
              f"{f(float(fm('sweep_ms')), 2)} ms on average, then 1 ms pause (the "
              "resolution). Each host's accept and refusal are confirmed by a whole login "
              "through libpam (the helper, `db=` that host's store). A refusal seen before "
              "apikeyctl returned counts as 0 ms.\n")
    md.append("| agents | trials | (host, trial) pairs | p50 ms | p99 ms | max ms | mean ms "
              "| pairs over 1 s | refused before the delete returned |")
    md.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    p50, p99, mx = pct(revoke, 0.5), pct(revoke, 0.99), (revoke[-1] if revoke else nan())
    mean = statistics.mean(revoke) if revoke else nan()
    over = sum(1 for v in revoke if v > 1000)
    md.append(f"| {hosts} | {trials} | {len(revoke)} | {f(p50, 1)} | {f(p99, 1)} | "
              f"{f(mx, 1)} | {f(mean, 1)} | {over} | {fm('early', '?')} |")
    csv_rows.append(("fleet_revocation", f"{hosts}_agents", "pairs_over_1s", over))
    for k, v in (("p50_ms", p50), ("p99_ms", p99), ("max_ms", mx), ("mean_ms", mean)):
        csv_rows.append(("fleet_revocation", f"{hosts}_agents", k, v))
        if math.isnan(v) or v < 0:
            problems.append(f"fleet revocation {k} is {v}")
    put("fleet_revocation", f"{hosts}_agents", "pairs", float(len(revoke)))
    if over:
        md.append(f"\n{over} pair(s) over 1 s: the agent applied the delete only at its "
                  "heartbeat (max_stale / 4, at most 30 s), not on its notification; see "
                  "bench/README.md, \"the tail\".")
    md.append(f"\n- creation (`apikeyctl --central create` returned -> accepted on the "
              f"host): p50 {f(pct(created, .5), 1)} ms, p99 {f(pct(created, .99), 1)} ms, "
              f"max {f(created[-1] if created else nan(), 1)} ms")
    md.append(f"- `apikeyctl --central delete` itself (process start, connection, its view "
              f"of the central store, the commit): p50 {f(pct(delete_ms, .5), 1)} ms, "
              f"max {f(delete_ms[-1] if delete_ms else nan(), 1)} ms")
    md.append(f"- the {hosts} agents over the trials: {fm('agents_cpu_s', '?')} s of CPU "
              f"together; peak RSS of the largest {f(float(fm('agent_hwm_kib')))} KiB")
    md.append(f"- whole logins confirming a host's answer: {2 * len(revoke)}, "
              f"{fm('confirm_fail', '?')} not as expected")
    for k, v in (("created_p50_ms", pct(created, .5)), ("created_p99_ms", pct(created, .99)),
                 ("delete_p50_ms", pct(delete_ms, .5))):
        put("fleet_revocation", f"{hosts}_agents", k, v)
    for k, what in (("timeouts", "host(s) that did not accept a new key or refuse a deleted one within 60 s"),
                    ("flaps", "accept(s) after a host had refused a deleted key"),
                    ("false_refusals", "refusal(s) before the delete"),
                    ("confirm_fail", "whole login(s) that did not confirm the host's answer"),
                    ("command_fail", "failed apikeyctl --central command(s)"),
                    ("agent_errors", "agent log line(s): lost the central store, cannot connect or not mirrored")):
        v = fm(k, "missing")
        csv_rows.append(("fleet_revocation", f"{hosts}_agents", k, v))
        if v != "0":
            wrong.append(f"fleet: {v} {what}")
    planned = meta.get("fleet_trials_planned", "?")
    if str(trials) != planned:
        problems.append(f"fleet: {trials} revocation trials of {planned}")

    # ---- initial synchronisation -------------------------------------------------------
    sy = lines_of("fleet_sync.txt")
    n_keys = int(meta.get("sync_keys", "0"))
    secs = sorted(float(x[1]) for x in sy)
    med = statistics.median(secs) if secs else nan()
    md.append(f"\n### Initial synchronisation of {f(n_keys)} keys\n")
    if meta.get("sync_method") == "centralgen":
        how = ("by centralgen (tests/central/centralgen.c: rows sealed as apikeyctl seals "
               "them, 10,000 keys a transaction; each key of pakb_bench with an allow and a "
               "deny entry and a service), then VACUUM ANALYZE")
        what = ""
    else:
        how = "straight into the central store (SQL through psql, one transaction, then VACUUM ANALYZE)"
        what = (": 1,000 users, 1 in 10 with an IPv4 allow rule, 1 in 30 an IPv6 one, 1 in "
                "20 a deny rule, 1 in 7 a service scope, 1 in 3 the host group web")
    md.append(f"{f(n_keys)} keys written {how}: {f(float(meta.get('sync_bulk_s', 'nan')), 2)} s; "
              f"beside {int(meta.get('sync_central_keys', n_keys)) - n_keys} real keys made by "
              f"`apikeyctl --central create` (2 of them for this check){what}; then `apikey-sync --once "
              "--host-group web` into an empty host store (`apikeyctl --db init`), timed "
              "from start to exit (connection, the full read, the local transaction). Each "
              "copy is checked: as many keys, IP rules, services and host groups as the "
              "central store, `PRAGMA integrity_check` ok; the real keys log in on it.\n")
    md.append("| keys mirrored | runs | seconds min / **median** / max | keys/s | host store MiB "
              "| IP rules / services / host groups | integrity_check |")
    md.append("|---:|---:|---|---:|---:|---|---|")
    if sy:
        last = sy[-1]
        md.append(f"| {f(int(last[2]))} | {len(sy)} | {f(secs[0], 2)} / **{f(med, 2)}** / "
                  f"{f(secs[-1], 2)} | {f(int(last[2]) / med)} | {last[7]} | "
                  f"{f(int(last[3]))} / {f(int(last[4]))} / {f(int(last[5]))} | {last[6]} |")
        put("fleet_sync", f"{n_keys}_keys", "keys_mirrored", float(last[2]))
        for x in sy:
            if x[6] != "ok":
                wrong.append(f"fleet: a synchronised store fails integrity_check: {x[6]}")
    put("fleet_sync", f"{n_keys}_keys", "median_s", med)
    put("fleet_sync", f"{n_keys}_keys", "bulk_insert_s", float(meta.get("sync_bulk_s", "nan")))
    if meta.get("sync_logins") != "ok":
        problems.append("fleet: the real keys were not checked on the synchronised store")
    if len(sy) != int(meta.get("sync_runs", "0")):
        problems.append(f"fleet: {len(sy)} synchronisation runs of {meta.get('sync_runs')}")

    # ---- the login path ------------------------------------------------------------------
    md.append("\n### The login path: a central key against a local one\n")
    md.append(f"One store of {meta.get('fleetlogin_keys', '?')} keys, served by one apikeyd "
              "(restarted on it) and the helper; its agent runs (max_stale 1h: the copy is "
              "fresh). Whole logins with pakb_bench's local key and with its central key, "
              f"as root and as pakb_bench, rounds interleaved ({meta.get('mode')} run: same "
              "rounds and durations as the latency table); the ratio is min / **median** / "
              "max over rounds of the per-round medians.\n")
    md.append("| path | as | local median ms | central median ms | local p99 ms | central p99 ms "
              "| central ÷ local |")
    md.append("|---|---|---:|---:|---:|---:|---|")
    ratios = {}
    for path in ("apikeyd", "helper"):
        for who in WHO:
            lo_id, ce_id = f"fl_local_{path}_{who}", f"fl_central_{path}_{who}"
            a, b = (lat_samples("fleetlogin", r, "fleetmix") for r in (lo_id, ce_id))
            t = ratio_stats("fleetlogin", ce_id, lo_id, "fleetmix")
            for rid, sm in ((lo_id, a), (ce_id, b)):
                put("fleet_login", rid, "median_us", pct(sm, .5))
                put("fleet_login", rid, "p99_us", pct(sm, .99))
            put("fleet_login", f"{ce_id}/{lo_id}", "median", t[1])
            ratios[(path, who)] = t
            md.append(f"| {'apikeyd' if path == 'apikeyd' else 'the helper'} | {who} | "
                      f"{ms(pct(a, .5))} | {ms(pct(b, .5))} | {ms(pct(a, .99))} | "
                      f"{ms(pct(b, .99))} | {triple(t, 3)} |")

    # ---- targets ----------------------------------------------------------------------------
    md.append("\n### Targets (issue 15)\n")
    md.append("| target | measured | met? |")
    md.append("|---|---|---|")
    target(f"revocation p99 ≤ 1 s with {hosts} agents on one PostgreSQL",
           f"p99 {f(p99, 1)} ms (p50 {f(p50, 1)}, max {f(mx, 1)}; {len(revoke)} pairs)",
           p99 <= 1000)
    if n_keys == 100000:
        target("initial synchronisation of 100,000 keys ≤ 10 s",
               f"{f(med, 2)} s (median of {len(secs)}; {f(secs[0] if secs else nan(), 2)}–"
               f"{f(secs[-1] if secs else nan(), 2)})", med <= 10)
    else:
        target("initial synchronisation of 100,000 keys ≤ 10 s",
               f"not run ({meta.get('mode')} run: {f(n_keys)} keys in {f(med, 2)} s)", None)
    for (path, who), (lo, mid, hi) in ratios.items():
        target(f"no extra cost on the login path: central ÷ local ≤ 1.05 ({path}, {who})",
               f"{f(mid, 3)}× ({f(lo, 3)}–{f(hi, 3)})", mid <= 1.05)

# ---- the parts this run made ------------------------------------------------------------
if "login" in parts:
    report_login()
if "fleet" in parts:
    report_fleet()

# ---- files ------------------------------------------------------------------------------
os.makedirs(OUT, exist_ok=True)
with open(os.path.join(OUT, "results.csv"), "w", newline="") as fh:
    w = csv.writer(fh)
    w.writerow(["section", "item", "metric", "value"])
    for row in csv_rows:
        w.writerow(row)
text = "\n".join(md) + "\n"
with open(os.path.join(OUT, "results.md"), "w") as fh:
    fh.write(text)
print(text)

# ---- well-formedness and correctness ----------------------------------------------------
if "login" in parts:
    main_rows = [l for l in text.split("## Store size")[0].splitlines()
                 if l.startswith("| ") and not l.startswith("| stack")]
    if len(main_rows) != len(rows):
        problems.append(f"the main table has {len(main_rows)} rows for {len(rows)} stacks")
    for rid, _, _ in rows:
        if not select("latency", rid, main, 1):
            problems.append(f"no latency runs for {rid}")
for p in problems:
    print("bench: malformed:", p, file=sys.stderr)
for p in wrong:
    print("bench: WRONG:", p, file=sys.stderr)
if problems or wrong:
    sys.exit(1)
print(f"bench: wrote {OUT}/results.md and results.csv")
