#!/usr/bin/python3
"""Cross-checks FILE.truth.json of nsys-explain-synth against FILE itself.

Usage: tools/synth/check_truth.py TRACE.sqlite      (exit 0: all equal)

Recomputes every truth number from the database with plain SQL + Python
(stdlib only), independently of the generator's bookkeeping, following
docs/SEMANTICS.md: kernel stats per (name, device), per-device interval
union, per-PID totals, sync classification by API base name, NVTX range
totals, and NVTX->kernel attribution (launch = eventClass 0/1 runtime row
with the same correlationId and process key; thread- vs process-scoped
ranges; innermost = latest start, ties: shortest, then later row). A
development aid, not a test dependency: it needs ~9 GB of RAM and ~5
minutes for a 2M-kernel trace.
"""
import json, sqlite3, sys, re, bisect
from collections import defaultdict

db, truth_path = sys.argv[1], sys.argv[1] + ".truth.json"
T = json.load(open(truth_path))
c = sqlite3.connect(f"file:{db}?immutable=1", uri=True)
S = dict(c.execute("select id, value from StringIds"))
ok = True
def check(what, a, b):
    global ok
    if a != b:
        ok = False
        print("MISMATCH", what, a, b)

K = c.execute("select start, end, deviceId, globalPid, correlationId, demangledName from CUPTI_ACTIVITY_KIND_KERNEL").fetchall()
check("kernels_total", len(K), T["kernels_total"])
check("kernel_time", sum(e - s for s, e, *_ in K), T["kernel_time_ns_total"])
agg = defaultdict(lambda: [0, 0, None, None])
for s, e, d, gp, cid, dn in K:
    a = agg[(S[dn], d)]; a[0] += 1; a[1] += e - s
    a[2] = e - s if a[2] is None else min(a[2], e - s)
    a[3] = e - s if a[3] is None else max(a[3], e - s)
tk = {(r["name"], r["device_id"]): [r["calls"], r["total_ns"], r["min_ns"], r["max_ns"]] for r in T["kernels_by_name_device"]}
check("kernels_by_name_device", dict(agg), tk)

# GPU busy
for g in T["gpu"]:
    iv = sorted((s, e) for s, e, d, *_ in K if d == g["device_id"])
    busy = 0; cs, ce = iv[0]
    for s, e in iv[1:]:
        if s <= ce: ce = max(ce, e)
        else: busy += ce - cs; cs, ce = s, e
    busy += ce - cs
    ws, we = iv[0][0], max(e for _, e in iv)
    check(f"gpu{g['device_id']}", (ws, we, busy, we - ws - busy), (g["window_start_ns"], g["window_end_ns"], g["busy_ns"], g["idle_ns"]))

# pids
pid = defaultdict(lambda: [0, 0])
for s, e, d, gp, *_ in K:
    p = (gp >> 24) & 0xFFFFFF; pid[p][0] += 1; pid[p][1] += e - s
check("pids", dict(pid), {r["pid"]: [r["kernel_count"], r["kernel_time_ns"]] for r in T["pids"]})

# sync
def base(n):
    for suf in ("_ptsz", "_ptds"):
        if n.endswith(suf): return n[:-5]
    return re.sub(r"_v\d+$", "", n)
kinds = {}
for n in "cudaDeviceSynchronize cudaStreamSynchronize cudaEventSynchronize cuCtxSynchronize cuStreamSynchronize cuEventSynchronize".split(): kinds[n] = "host_sync"
for n in "cudaMemcpy cudaMemcpy2D cudaMemcpy3D cudaMemcpyToSymbol cudaMemcpyFromSymbol cudaMemset cuMemcpyHtoD cuMemcpyDtoH cuMemcpyDtoD cuMemcpy cuMemsetD8 cuMemsetD16 cuMemsetD32".split(): kinds[n] = "sync_copy"
for n in "cudaStreamWaitEvent cuStreamWaitEvent".split(): kinds[n] = "device_wait"
for n in "cudaEventQuery cudaStreamQuery cuEventQuery cuStreamQuery".split(): kinds[n] = "poll"
sy = {}
for nid, cnt, tot in c.execute("select nameId, count(*), sum(end-start) from CUPTI_ACTIVITY_KIND_RUNTIME where eventClass in (0,1) group by nameId"):
    k = kinds.get(base(S[nid]))
    if k: sy[S[nid]] = (k, cnt, tot)
check("sync", sy, {r["api_name"]: (r["kind"], r["calls"], r["total_ns"]) for r in T["sync"]})

# NVTX ranges
N = c.execute("select start, end, eventType, textId, text, globalTid, endGlobalTid, rangeId from NVTX_EVENTS where eventType in (59,60,70,71)").fetchall()
rng = defaultdict(lambda: [0, 0, 0])
for s, e, et, tid, txt, gt, egt, rid in N:
    name = S[tid] if tid is not None else (txt if txt is not None else "<unnamed>")
    if e is None: rng[name][2] += 1
    elif e >= s: rng[name][0] += 1; rng[name][1] += e - s
check("nvtx_ranges", dict(rng), {r["name"]: [r["count"], r["total_ns"], r["open_count"]] for r in T["nvtx_ranges"]})

# Attribution (SEMANTICS rule) by a sweep per scope
R = c.execute("select correlationId, globalTid, start, end from CUPTI_ACTIVITY_KIND_RUNTIME where eventClass in (0,1)").fetchall()
launch = {}
for cid, gt, s, e in R:
    launch[(gt & ~0xFFFFFF, cid)] = (gt, s, e)
del R
by_thread = defaultdict(list); by_proc = defaultdict(list)
INF = 1 << 62
for idx, (s, e, et, tid, txt, gt, egt, rid) in enumerate(N):
    name = S[tid] if tid is not None else (txt if txt is not None else "<unnamed>")
    end = INF if e is None else e
    if e is not None and e < s: continue
    item = (s, end, name, idx)
    if et in (59, 70) or egt is None or egt == gt: by_thread[gt].append(item)
    else: by_proc[gt & ~0xFFFFFF].append(item)
del N
launches = set()
kl = defaultdict(list)
for s, e, d, gp, cid, dn in K:
    L = launch.get((gp, cid))
    if L is None: continue
    kl[L].append(e - s)
def sweep(ranges, ls_list):
    ranges.sort(); out = {}
    active = []; i = 0
    for (ls, le, key) in sorted(ls_list):
        while i < len(ranges) and ranges[i][0] <= ls:
            active.append(ranges[i]); i += 1
        active = [r for r in active if r[1] >= ls]
        out[key] = [r for r in active if r[1] >= le]
    return out
enc_thread = {}; enc_proc = {}
per_thread = defaultdict(list); per_proc = defaultdict(list)
for L in kl:
    gt, ls, le = L
    per_thread[gt].append((ls, le, L)); per_proc[gt & ~0xFFFFFF].append((ls, le, L))
for gt, lst in per_thread.items(): enc_thread.update(sweep(by_thread[gt], lst))
for pk, lst in per_proc.items(): enc_proc.update(sweep(by_proc[pk], lst))
inner = defaultdict(lambda: [0, 0]); incl = defaultdict(lambda: [0, 0]); attributed = 0
for L, durs in kl.items():
    enc = enc_thread[L] + enc_proc[L]
    if not enc: continue
    best = max(enc, key=lambda r: (r[0], -(r[1] - r[0]), r[3]))
    names = set(r[2] for r in enc)
    for dur in durs:
        attributed += dur
        inner[best[2]][0] += 1; inner[best[2]][1] += dur
        for n in names: incl[n][0] += 1; incl[n][1] += dur
check("innermost", dict(inner), {r["name"]: [r["kernel_count"], r["kernel_time_ns"]] for r in T["nvtx_attr_innermost"]})
check("inclusive", dict(incl), {r["name"]: [r["kernel_count"], r["kernel_time_ns"]] for r in T["nvtx_attr_inclusive"]})
check("coverage", attributed, T["nvtx_coverage"]["attributed_ns"])
rows = {t: c.execute(f"select count(*) from {n}").fetchone()[0] for t, n in [("kernel", "CUPTI_ACTIVITY_KIND_KERNEL"), ("runtime", "CUPTI_ACTIVITY_KIND_RUNTIME"), ("nvtx", "NVTX_EVENTS"), ("memcpy", "CUPTI_ACTIVITY_KIND_MEMCPY"), ("memset", "CUPTI_ACTIVITY_KIND_MEMSET"), ("sync", "CUPTI_ACTIVITY_KIND_SYNCHRONIZATION")]}
check("rows", rows, {k: v for k, v in T["rows"].items() if k != "runtime_backtrace"})
print("coverage %.2f%%" % (100.0 * attributed / T["kernel_time_ns_total"]))
print("OK" if ok else "FAILED")
sys.exit(0 if ok else 1)
