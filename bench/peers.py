#!/usr/bin/env python3
"""bench/peers.py BUILD RUNS N...: inspirec beside its peers, in one run (docs/performance.md).

Copies ../shared/peer-bench into BUILD/peer-bench (npm ci there once: the npm
registry must be reachable), runs its bench.py for Prisma, Drizzle Kit and DBML
at each N, then times inspirec on the very same generated a.inspire / b.inspire
and prints, per job, inspirec's median wall time, the fastest peer doing that
job and the ratio.  Jobs: parse and validate (check), whole-schema Postgres DDL
(lower --schema), migration a to b (plan).  Prisma's DDL and diff need a
Postgres on 127.0.0.1:5432 (peer-bench README); without one they are left out.
"""
import json
import os
import shutil
import statistics
import subprocess
import sys

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
build, runs, sizes = sys.argv[1], int(sys.argv[2]), [int(x) for x in sys.argv[3:]]
src = os.path.join(root, "..", "shared", "peer-bench")
peer = os.path.join(build, "peer-bench")
inspirec = os.path.join(build, "inspirec")
timeit = os.path.join(build, "bench", "bench_timeit")

if not os.path.isdir(src):
    sys.exit("bench: no peer-bench at %s" % src)
os.makedirs(peer, exist_ok=True)
for name in os.listdir(src):
    if name in ("node_modules", "work", "results"):
        continue
    s = os.path.join(src, name)
    (shutil.copytree if os.path.isdir(s) else shutil.copy)(s, os.path.join(peer, name),
                                                          **({"dirs_exist_ok": True} if os.path.isdir(s) else {}))
if not os.path.isdir(os.path.join(peer, "node_modules")):
    subprocess.check_call(["npm", "ci", "--no-audit", "--no-fund"], cwd=peer)
# PEERS: which peers run (DBML takes minutes at 10,000 and is never the fastest)
subprocess.check_call([sys.executable, "bench.py", "--sizes", ",".join(map(str, sizes)), "--runs", str(runs),
                       "--only", os.environ.get("PEERS", "dbml,prisma,drizzle"), "--work", "work",
                       "--results", "results"], cwd=peer)
with open(os.path.join(peer, "results", "results.json")) as f:
    peers = [r for r in json.load(f)["results"] if r.get("status") == "ok" and r["tool"] not in ("floor", "baseline")]

JOBS = {  # job: (inspirec operation, peer operations doing the same job)
    "parse + validate": ("check", {("dbml", "parse"), ("prisma", "lint"), ("prisma", "validate"),
                                   ("prisma", "cli validate"), ("drizzle", "snapshot")}),
    "whole-schema DDL (Postgres)": ("lower --schema postgres",
                                    {("dbml", "ddl-postgres"), ("prisma", "ddl"), ("drizzle", "ddl")}),
    "migration a to b": ("plan (a to b)", {("prisma", "diff"), ("drizzle", "diff")}),
}


def timed(n, *args):
    out = subprocess.check_output([timeit, str(n)] + list(args)).split()
    if out[2] != b"0":
        sys.exit("bench: %s exited %s" % (" ".join(args), out[2].decode()))
    return float(out[0])


def time_inspirec(n):
    w = os.path.join(peer, "work", "n%d" % n)
    proj = os.path.join(w, "inspirec")
    shutil.rmtree(proj, ignore_errors=True)
    os.makedirs(os.path.join(proj, "schema"))
    shutil.copy(os.path.join(w, "a.inspire"), os.path.join(proj, "schema", "schema.inspire"))
    res = {"check": timed(runs, inspirec, "-C", proj, "check"),
           "lower --schema postgres": timed(runs, inspirec, "-C", proj, "lower", "--dialect", "postgres", "--schema")}
    subprocess.check_call([inspirec, "-C", proj, "plan", "-q", "--new"], stdout=subprocess.DEVNULL)
    shutil.copy(os.path.join(w, "b.inspire"), os.path.join(proj, "schema", "schema.inspire"))
    times = []
    for _ in range(runs):
        for d in os.listdir(os.path.join(proj, "migrations")):
            if d.startswith("0002_"):
                shutil.rmtree(os.path.join(proj, "migrations", d))
        times.append(timed(1, inspirec, "-C", proj, "plan", "-q", "--new", "--name", "bench"))
    res["plan (a to b)"] = statistics.median(times)
    return res


print()
print("| N | job | inspirec (s) | fastest peer | peer (s) | peer / inspirec |")
print("|---:|---|---:|---|---:|---:|")
for n in sizes:
    ours = time_inspirec(n)
    for job, (op, peer_ops) in JOBS.items():
        cands = [r for r in peers if r["n"] == n and (r["tool"], r["op"]) in peer_ops]
        if not cands:
            print("| %d | %s | %.4f | (none ran) | | |" % (n, job, ours[op]))
            continue
        best = min(cands, key=lambda r: r["median_wall_s"])
        print("| %d | %s | %.4f | %s %s | %.3f | %.1fx |" % (n, job, ours[op], best["tool"], best["op"],
                                                          best["median_wall_s"], best["median_wall_s"] / ours[op]))
