#!/usr/bin/env python3
"""Writes the hand-made seed inputs of the fuzz harnesses into
fuzz/corpus/<harness>/seed_*.  The encodings are documented at the top of
fuzz_sql_functions.cc, fuzz_trace_db.cc and in fuzz_common.h (ReadValue).
Inputs the fuzzer found interesting are merged next to them (fuzz/README.md).
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def NULL():
    return b"\x00"


def I(v):
    return b"\x01" + struct.pack("<q", v)


def R(v):
    return b"\x02" + struct.pack("<d", v)


def T(s):
    b = s.encode("utf-8", "surrogateescape") if isinstance(s, str) else s
    return b"\x03" + bytes([len(b)]) + b


def B(b):
    return b"\x04" + bytes([len(b)]) + b


def CLK(d):
    return b"\x05" + bytes([d])


def SMALL(v):
    return b"\x06" + struct.pack("<b", v)


def PAL(i, real=False):
    return b"\x07" + bytes([i | (0x80 if real else 0)])


def write(harness, name, data):
    d = os.path.join(HERE, "corpus", harness)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "seed_" + name), "wb") as f:
        f.write(data)


# ------------------------------------------------------------ sql functions
def sql_functions():
    vals = [NULL(), I(0), I(1), I(-1), I(50), I(-2**63), I(2**63 - 1),
            R(0.5), R(100.0), R(1e308), R(float("inf")), T("text"),
            T("cudaMemcpyAsync_ptsz_v7000"), T("void at::f<int>(T1)"),
            T("50"), B(b"\x00\xff"), PAL(5), PAL(3, True), SMALL(-5), CLK(9)]
    for f in range(20):
        for argc in range(5):
            for mode in {(f + argc) % 4, 1}:
                shape = argc | (mode << 3)
                body = b"".join(vals[(f + argc * 3 + mode + k) % len(vals)]
                                for k in range(max(argc, 1) * 3))
                write("fuzz_sql_functions", f"f{f:02d}_a{argc}_m{mode}",
                      bytes([f, shape]) + body)
    # nsys_interval_gaps is the last function; the harness takes the index
    # modulo the count, so 255 reaches it only by chance: raw SQL seeds use
    # mode 3 with a text first value on every index.
    for f in range(20):
        write("fuzz_sql_functions", f"sql{f:02d}",
              bytes([f, 3 | (3 << 3)]) +
              T("SELECT a, b, c FROM temp.fz UNION ALL SELECT start_ns, "
                "end_ns, device_id FROM nsys_kernels") + I(0) + I(100))


# ------------------------------------------------------------- trace dbs
S, K, RT, N = 0, 1, 2, 3  # op table codes


def op(table, copies_idx=0):
    return bytes([table | (copies_idx << 2)])


def string(i, v):
    return op(S) + I(i) + T(v)


def kernel(start, end, corr, pid, name, dev=0, stream=7, short=None,
           graph=None, copies=0):
    return (op(K, copies) + I(start) + I(end) + I(corr) + I(pid << 24) +
            I(name) + I(dev) + I(stream) + (NULL() if short is None else I(short)) +
            (NULL() if graph is None else I(graph)))


def runtime(start, end, corr, pid, tid, name, cls=0, copies=0):
    return (op(RT, copies) + I(start) + I(end) + I(corr) +
            I((pid << 24) | tid) + I(name) + I(cls))


def nvtx(start, end, etype, pid, tid, text=None, text_id=None, end_tid=None,
         domain=0, copies=0):
    return (op(N, copies) + I(start) + (NULL() if end is None else I(end)) +
            I(etype) + I((pid << 24) | tid) +
            (NULL() if text is None else T(text)) +
            (NULL() if text_id is None else I(text_id)) +
            (NULL() if end_tid is None else I((pid << 24) | end_tid)) +
            I(domain))


def basic_trace():
    out = string(1, "gemm_kernel") + string(2, "cudaLaunchKernel_v7000")
    out += string(3, "cudaStreamSynchronize_v3020") + string(4, "elementwise")
    out += nvtx(0, 10_000_000, 59, 100, 1, "prefill")
    out += nvtx(10_000_000, 20_000_000, 59, 100, 1, "decode_step")
    out += nvtx(0, 0, 75, 100, 1, "my_domain", domain=3)
    out += nvtx(500, 19_000_000, 60, 100, 1, "cross", end_tid=2)
    out += nvtx(200, None, 59, 100, 1, "never_closed")
    for i in range(8):
        t = 1_000_000 + i * 2_000_000
        out += runtime(t, t + 3000, i + 1, 100, 1, 2)
        out += kernel(t + 5000, t + 5000 + (i + 1) * 1500, i + 1, 100,
                      1 if i % 2 else 4, dev=i % 2)
    out += runtime(18_000_000, 19_000_000, 99, 100, 1, 3)
    return out


def trace_db():
    full = 0x0F
    write("fuzz_trace_db", "basic", bytes([full]) + basic_trace())
    write("fuzz_trace_db", "basic_file", bytes([full | 0x40]) + basic_trace())
    write("fuzz_trace_db", "basic_typeless", bytes([full | 0x10]) + basic_trace())
    write("fuzz_trace_db", "basic_minimal", bytes([full | 0x20]) + basic_trace())
    write("fuzz_trace_db", "concurrent", bytes([full | 0x80]) + basic_trace())
    for bit, name in [(0x01, "no_kernel"), (0x02, "no_runtime"),
                      (0x04, "no_nvtx"), (0x08, "no_strings")]:
        write("fuzz_trace_db", name, bytes([full & ~bit]) + basic_trace())
    write("fuzz_trace_db", "empty_tables", bytes([full]))
    write("fuzz_trace_db", "no_tables", bytes([0]))
    # INT64 extremes and odd values.
    ext = string(1, "k")
    for s, e in [(-2**63, 2**63 - 1), (0, 2**63 - 1), (2**63 - 11, 2**63 - 1),
                 (-2**63, -2**63 + 5), (-2**63, -1), (5, 4), (7, 7)]:
        ext += kernel(s, e, 1, 100, 1)
        ext += runtime(s, e, 1, 100, 1, 1)
        ext += nvtx(s, e, 59, 100, 1, "x")
    write("fuzz_trace_db", "int64_extremes", bytes([full]) + ext)
    write("fuzz_trace_db", "int64_extremes_file", bytes([full | 0x40]) + ext)
    odd = (op(K) + NULL() + I(5) + T("abc") + NULL() + B(b"\x01") + R(1e300) +
           SMALL(-1) + T("s") + I(1))
    odd += op(K) + T("abc") + T("def") + PAL(3) + PAL(20) + PAL(5) + NULL() + \
        NULL() + NULL() + NULL()
    odd += op(N) + CLK(10) + NULL() + PAL(15) + PAL(25) + T("\xff\xfe<b>|`") + \
        I(12345) + PAL(27) + PAL(1)
    odd += string(1, "a" * 200)
    write("fuzz_trace_db", "odd_values", bytes([full]) + odd)
    # Many leaked push ranges, launches inside them (copies: 16 each).
    leak = string(2, "cudaLaunchKernel")
    leak += nvtx(100, None, 59, 7, 1, "leak", copies=3)
    leak += runtime(100_000, 100_010, 5, 7, 1, 2, copies=3)
    leak += kernel(200_000, 200_005, 5, 7, 1, copies=3)
    write("fuzz_trace_db", "leaked_ranges", bytes([full]) + leak)


# ------------------------------------------------------------ phase maps
def phase_map():
    cases = {
        "valid": '{"prefill": ["prefill", "prompt"], "decode": ["decode"]}',
        "valid_unicode": '{"d\\u00e9code": ["\\u00e9", "x"], "p": ["%"]}',
        "empty_object": "{}",
        "empty_array": '{"p": []}',
        "empty_pattern": '{"p": [""]}',
        "empty_phase": '{"": ["x"]}',
        "duplicate": '{"p": ["a"], "p": ["b"]}',
        "nested_object": '{"p": {"q": ["a"]}}',
        "nested_array": '{"p": [["a"]]}',
        "number": '{"p": [1]}',
        "null": '{"p": null}',
        "string_value": '{"p": "a"}',
        "top_array": '["a"]',
        "top_string": '"a"',
        "truncated": '{"p": ["a"',
        "trailing": '{"p": ["a"]} x',
        "bad_escape": '{"p": ["\\q"]}',
        "lone_surrogate": '{"p": ["\\ud800"]}',
        "nul": '{"p": ["a\\u0000b"]}',
        "bom": '\ufeff{"p": ["a"]}',
        "comment": '{"p": ["a"] /* c */}',
        "deep": "[" * 2000,
        "newline_in_key": '{"a\nb": ["x"]}',
    }
    for name, text in cases.items():
        write("fuzz_phase_map", name, text.encode("utf-8", "surrogatepass"))
    write("fuzz_phase_map", "invalid_utf8", b'{"p": ["\xff\xfe"]}')
    write("fuzz_phase_map", "many_patterns",
          ('{"p": [' + ",".join('"x%d"' % i for i in range(1001)) + "]}").encode())


if __name__ == "__main__":
    sql_functions()
    trace_db()
    phase_map()
