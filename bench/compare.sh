#!/usr/bin/env bash
# compare.sh runs the JavaScript anchor (the official JS durable-execution SDK
# and its local runner, ../shared/anchors/js) and the Go benchmarks on this
# machine, interleaved (each workflow's JS rows, then its Go benchmark, so
# that both sides of a ratio see the same load), and prints JS/Go ratio
# tables with the load average of every row, then the Go process figures:
# peak RSS of seq-1000, bootstrap size, cold start against a bare
# aws-lambda-go function (bench/coldstart/bare) started in turn with ours.
#
#   bench/compare.sh              # ~8 minutes on 2 cores
#   QUICK=1 bench/compare.sh      # 1 JS run, 1 Go count: a smoke test (~3 min)
#   FULL=1 bench/compare.sh       # adds the JS runner's seq-1000 on skipTime (~2 min more)
#
# Environment: JS_ANCHOR (default: ../shared/anchors/js from the repository
# root, else /work/shared/anchors/js), JS_RUNS (5) and JS_WARMUP (1) per
# JS row, GO_COUNT (5) and GO_BENCHTIME (500ms) for go test, OUT (a new
# temporary directory) where every raw result is kept.
#
# Needs go, node (20 or later) and npm with access to the npm registry for
# `npm ci`. The full anchor (node bench.mjs, ~17 minutes) is not run: only
# the rows compared here, with run-one.mjs and replay.mjs.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
anchor="${JS_ANCHOR:-}"
if [[ -z "$anchor" ]]; then
  for d in "$root/../shared/anchors/js" /work/shared/anchors/js; do
    if [[ -f "$d/run-one.mjs" ]]; then anchor="$d"; break; fi
  done
fi
[[ -n "$anchor" && -f "$anchor/run-one.mjs" ]] || { echo "compare.sh: JS anchor not found; set JS_ANCHOR" >&2; exit 2; }

js_runs="${JS_RUNS:-5}"
js_warmup="${JS_WARMUP:-1}"
go_count="${GO_COUNT:-5}"
go_benchtime="${GO_BENCHTIME:-500ms}"
if [[ -n "${QUICK:-}" ]]; then js_runs=1; js_warmup=0; go_count=1; fi
out="${OUT:-$(mktemp -d -t durable-compare.XXXXXX)}"
mkdir -p "$out"
log() { echo "# $*" >&2; }

log "raw results in $out"
machine="$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs), $(go version | cut -d' ' -f3-4), node $(node --version)"
load_start="$(cut -d' ' -f1-3 /proc/loadavg)"
log "machine: $machine"
log "load average at start: $load_start"

# --- JavaScript anchor -------------------------------------------------------
js="$out/js"
rm -rf "$js"
cp -r "$anchor" "$js"
chmod -R u+w "$js"
log "npm ci in $js"
(cd "$js" && npm ci --no-audit --no-fund --loglevel=error >"$out/npm-ci.log" 2>&1) || { cat "$out/npm-ci.log" >&2; exit 1; }

# The rows run interleaved: each workflow's JS rows, then its Go benchmark
# at once, so that both sides of a ratio see the same load. The load
# average is recorded before each group and printed with every row.
go_bin="$out/go-bin"
mkdir -p "$go_bin"
cd "$root"
log "go test -c ./durable ./durable/durabletest ./wire"
go test -c -o "$go_bin/durable.test" ./durable
go test -c -o "$go_bin/durabletest.test" ./durable/durabletest
go test -c -o "$go_bin/wire.test" ./wire
gobench() { # binary pattern: one go benchmark, appended to go-bench.txt
  log "$1 -test.bench '$2' -test.count=$go_count -test.benchtime=$go_benchtime"
  "$go_bin/$1" -test.run '^$' -test.bench "$2" -test.benchmem -test.count="$go_count" -test.benchtime="$go_benchtime" \
    | grep '^Benchmark' | tee -a "$out/go-bench.txt" >&2
}
load() { # label: the load average now, as a JSON line in load.jsonl
  printf '{"row":"%s","load":"%s"}\n' "$1" "$(cut -d' ' -f1-3 /proc/loadavg)" >>"$out/load.jsonl"
}
jsrow() { # workflow n skipTime resync
  local args=("$1")
  [[ "$2" != "-" ]] && args+=("$2")
  log "node run-one.mjs ${args[*]} --skip-time=$3 --resync=$4 --runs=$js_runs --warmup=$js_warmup"
  (cd "$js" && node run-one.mjs "${args[@]}" --skip-time="$3" --resync="$4" --runs="$js_runs" --warmup="$js_warmup") \
    | tail -n 1 >>"$out/js-rows.jsonl"
}

# Local runner. Groups: Go case name, then its JS rows (workflow n skipTime
# resync). Real timers: what the JS runner costs when waits are short;
# skipTime: the runner's virtual time, like the Go runner's.
groups=(
  "seq-10|seq 10 0 none|seq 10 1 run" "seq-100|seq 100 0 none|seq 100 1 run" "seq-1000|seq 1000 0 none"
  "replay-10|replay 10 0 none" "replay-100|replay 100 0 none" "replay-1000|replay 1000 0 none"
  "map-10|map 10 0 none" "map-100|map 100 0 none" "map-1000|map 1000 0 none"
  "wait-chain|wait-chain - 1 run" "retry|retry - 0 none|retry - 1 run" "seed|seed - 0 none|seed - 1 run"
)
if [[ -n "${FULL:-}" ]]; then groups[2]+="|seq 1000 1 run"; fi
: >"$out/js-rows.jsonl"
: >"$out/go-bench.txt"
: >"$out/load.jsonl"
for group in "${groups[@]}"; do
  IFS='|' read -r -a parts <<<"$group"
  load "runner/${parts[0]}"
  for row in "${parts[@]:1}"; do
    read -r wf n skip resync <<<"$row"
    jsrow "$wf" "$n" "$skip" "$resync"
  done
  gobench durabletest.test "BenchmarkRunner/${parts[0]}\$"
done
# Peak RSS of a process running one seq-1000 execution (the anchor's single-run figure).
log "node run-one.mjs seq 1000 --skip-time=0 --resync=none --runs=1 --warmup=0 (peak RSS of one execution)"
(cd "$js" && node run-one.mjs seq 1000 --skip-time=0 --resync=none --runs=1 --warmup=0) | tail -n 1 >"$out/js-rss.jsonl"

# SDK alone, per N: the JS replay.mjs row, then Go's fresh and replay rows.
: >"$out/js-direct.jsonl"
for n in 10 100 1000 10000; do
  load "sdk/$n"
  log "node replay.mjs --ns=$n --runs=$js_runs --warmup=$js_warmup"
  (cd "$js" && node replay.mjs --ns="$n" --runs="$js_runs" --warmup="$js_warmup") >>"$out/js-direct.jsonl"
  gobench durable.test "BenchmarkSDK/(seq|replay)-$n\$"
done
load "sdk/other"
gobench durable.test 'BenchmarkSDK/(map-.*|wait-chain|retry|seed)$'
gobench wire.test 'BenchmarkDecodeInvocationInput'

# --- Go process figures ----------------------------------------------------------
load "process"
log "peak RSS: go run ./bench/rss (runner, then SDK alone)"
go build -o "$out/rss" ./bench/rss
{ "$out/rss" -n 1000; "$out/rss" -n 1000 -sdk; } >"$out/go-rss.jsonl"

build_flags=(-tags lambda.norpc -trimpath -buildvcs=false -ldflags "-s -w -buildid=")
log "bootstrap: GOOS=linux GOARCH=arm64 CGO_ENABLED=0 go build ${build_flags[*]} ./lambda"
GOOS=linux GOARCH=arm64 CGO_ENABLED=0 go build "${build_flags[@]}" -o "$out/bootstrap-arm64" ./lambda
host_arch="$(go env GOARCH)"
GOOS=linux GOARCH="$host_arch" CGO_ENABLED=0 go build "${build_flags[@]}" -o "$out/bootstrap-$host_arch" ./lambda
GOOS=linux GOARCH="$host_arch" CGO_ENABLED=0 go build "${build_flags[@]}" -o "$out/bare-$host_arch" ./bench/coldstart/bare
log "cold start: go run ./bench/coldstart -n 20 -event seed-event.json -warm-event seed-event-2.json bare-$host_arch bootstrap-$host_arch (interleaved)"
go run ./bench/coldstart -n 20 -event bench/coldstart/testdata/seed-event.json -warm-event bench/coldstart/testdata/seed-event-2.json \
  "$out/bare-$host_arch" "$out/bootstrap-$host_arch" >"$out/go-coldstart.jsonl"
stat -c '{"bootstrap_arm64_bytes":%s}' "$out/bootstrap-arm64" >"$out/go-size.json"
load_end="$(cut -d' ' -f1-3 /proc/loadavg)"
log "load average at end: $load_end"
echo "Machine: $machine; load average $load_start at start, $load_end at end; JS: $js_runs runs after $js_warmup warm-up; Go: -count=$go_count -benchtime=$go_benchtime; rows interleaved (each JS row, then its Go benchmark)"
echo

# --- Tables --------------------------------------------------------------------
node - "$out" <<'EOF'
const fs = require("fs");
const out = process.argv[2];
const lines = (f) => fs.readFileSync(`${out}/${f}`, "utf8").split("\n").filter((l) => l.trim().startsWith("{")).map((l) => JSON.parse(l));

// Go: median over -count of every metric, by benchmark name without -GOMAXPROCS.
const samples = {};
for (const line of fs.readFileSync(`${out}/go-bench.txt`, "utf8").split("\n")) {
  const m = line.match(/^(Benchmark\S+?)(?:-\d+)?\s+\d+\s+(.*)$/);
  if (!m) continue;
  const f = m[2].trim().split(/\s+/);
  const rec = (samples[m[1]] ??= {});
  for (let i = 0; i + 1 < f.length; i += 2) (rec[f[i + 1]] ??= []).push(Number(f[i]));
}
const med = (xs) => { const s = [...xs].sort((a, b) => a - b); const k = s.length >> 1; return s.length % 2 ? s[k] : (s[k - 1] + s[k]) / 2; };
const go = (name, unit) => { const r = samples[name]?.[unit]; return r ? med(r) : undefined; };
const load = {};
for (const r of lines("load.jsonl")) load[r.row] = r.load;

const js = {};
for (const r of lines("js-rows.jsonl")) js[`${r.workflow}${r.n !== undefined && r.n !== null ? `-${r.n}` : ""}/${r.skip_time ? "skip" : "real"}`] = r;
const direct = {};
for (const r of lines("js-direct.jsonl")) direct[r.n] = r;

const fmt = (x, d = 2) => x === undefined || Number.isNaN(x) ? "—" : x >= 100 ? Math.round(x).toLocaleString("en-US") : x.toFixed(d);
const ratio = (a, b) => a === undefined || b === undefined ? "—" : `${fmt(a / b, 1)}×`;
const table = (head, rows) => {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (r) => "| " + r.map((c, i) => String(c).padEnd(w[i])).join(" | ") + " |";
  console.log(line(head));
  console.log("|" + w.map((x) => "-".repeat(x + 2)).join("|") + "|");
  for (const r of rows) console.log(line(r));
  console.log();
};
const steps = (n) => ({ "wait-chain": 3, retry: 1, seed: 3 })[n] ?? Number(n.split("-")[1]);
// Workflows whose JS run with real timers sleeps through real waits or
// retry delays: a real-timer ratio would compare sleeping with not sleeping.
const sleeps = (n) => n.startsWith("replay-") || n === "wait-chain" || n === "retry";

console.log("Local runner: one execution to its end. JS: median exec_ms of run-one.mjs (until the last invocation returned; run_ms adds the runner's fixed ~100 ms tail). Go: BenchmarkRunner, median ns/op and process CPU. Ratios are of medians measured back to back (interleaved), with the load average before each row.\n");
const names = ["seq-10", "seq-100", "seq-1000", "replay-10", "replay-100", "replay-1000", "map-10", "map-100", "map-1000", "wait-chain", "retry", "seed"];
table(
  ["workflow", "load", "JS exec ms (real timers)", "JS exec ms (skipTime)", "JS run ms (real)", "Go ms", "Go CPU ms", "JS real / Go", "JS skipTime / Go", "JS calls/updates", "Go calls/updates"],
  names.map((n) => {
    const real = js[`${n}/real`], skip = js[`${n}/skip`];
    const b = `BenchmarkRunner/${n}`;
    const g = go(b, "ns/op"), cpu = go(b, "cpu-ns/step");
    const gms = g === undefined ? undefined : g / 1e6;
    const any = real ?? skip;
    const gc = go(b, "calls/op"), gu = go(b, "updates/op");
    return [n, load[`runner/${n}`] ?? "—", fmt(real?.exec_ms_median), fmt(skip?.exec_ms_median), fmt(real?.run_ms_median), fmt(gms, 3),
      fmt(cpu === undefined ? undefined : (cpu * steps(n)) / 1e6, 3),
      sleeps(n) ? "— (JS sleeps)" : ratio(real?.exec_ms_median, gms), ratio(skip?.exec_ms_median, gms),
      any ? `${any.checkpoint_calls} / ${any.checkpoint_updates}` : "—", gc === undefined ? "—" : `${gc} / ${gu}`];
  }),
);

const dec = go("BenchmarkDecodeInvocationInput/fast", "ns/record"), decJSON = go("BenchmarkDecodeInvocationInput/encoding-json", "ns/record");
console.log("SDK alone, in-memory client: cost per step. JS: replay.mjs; its replayed state is passed as objects, so no JSON parse is included. Go: BenchmarkSDK; a replayed step includes decoding its record from the JSON envelope (wire.DecodeInvocationInput, measured alone below); the last two columns take that decode out to scope both sides alike.\n");
const sdkRows = [];
for (const n of [10, 100, 1000, 10000]) {
  const d = direct[n];
  const f = go(`BenchmarkSDK/seq-${n}`, "ns/step"), fc = go(`BenchmarkSDK/seq-${n}`, "cpu-ns/step");
  const r = go(`BenchmarkSDK/replay-${n}`, "ns/step"), rc = go(`BenchmarkSDK/replay-${n}`, "cpu-ns/step");
  const ra = go(`BenchmarkSDK/replay-${n}`, "allocs/op");
  const us = (x) => x === undefined ? undefined : x / 1000;
  const noParse = r === undefined || dec === undefined ? undefined : (r - dec) / 1000;
  sdkRows.push([n, load[`sdk/${n}`] ?? "—", fmt(d?.fresh_us_per_step), fmt(us(f), 3), fmt(us(fc), 3), ratio(d?.fresh_us_per_step, us(f)),
    fmt(d?.replay_us_per_step), fmt(us(r), 3), fmt(us(rc), 3), fmt(ra === undefined ? undefined : ra / n, 1), ratio(d?.replay_us_per_step, us(r)),
    fmt(noParse, 3), ratio(d?.replay_us_per_step, noParse)]);
}
table(["N", "load", "JS fresh µs/step", "Go fresh µs/step", "Go fresh CPU µs/step", "JS / Go fresh", "JS replay µs/step (no parse)",
  "Go replay µs/step (with decode)", "Go replay CPU µs/step", "Go allocs/replayed step", "JS / Go replay", "Go replay less decode µs", "JS / Go, both without parse"], sdkRows);

console.log(`Envelope decode alone (BenchmarkDecodeInvocationInput, 1,000 step records, load ${load["sdk/other"] ?? "—"}): wire.DecodeInvocationInput ${fmt(dec)} ns/record, encoding/json ${fmt(decJSON)} ns/record (${ratio(decJSON, dec)}).\n`);

console.log(`Go SDK alone, whole execution (BenchmarkSDK, median; load ${load["sdk/other"] ?? "—"} before the rows after replay-10000)\n`);
table(["workflow", "µs/op", "µs/step", "CPU µs/step", "B/op", "allocs/op", "calls/op", "updates/op"],
  Object.keys(samples).filter((k) => k.startsWith("BenchmarkSDK/")).map((k) => [k.slice(13), fmt(go(k, "ns/op") / 1000, 1), fmt(go(k, "ns/step") / 1000, 3),
    fmt(go(k, "cpu-ns/step") / 1000, 3), fmt(go(k, "B/op")), fmt(go(k, "allocs/op")), fmt(go(k, "calls/op")), fmt(go(k, "updates/op"))]));

const jsRss = lines("js-rss.jsonl")[0];
const rss = lines("go-rss.jsonl"), size = lines("go-size.json")[0];
const [bare, ours] = lines("go-coldstart.jsonl");
console.log(`Process figures (load ${load.process ?? "—"})\n`);
table(["figure", "JS", "Go", "target"], [
  ["peak RSS, one seq-1000 execution (runner)", `${jsRss?.peak_rss_mb ?? "—"} MiB`, `${fmt(rss[0].vmhwm_kb / 1024, 1)} MiB`, "≤ 20 MB"],
  ["peak RSS, one seq-1000 execution (SDK alone)", "—", `${fmt(rss[1].vmhwm_kb / 1024, 1)} MiB`, ""],
  ["bootstrap size (linux/arm64)", "—", `${size.bootstrap_arm64_bytes.toLocaleString("en-US")} B = ${fmt(size.bootstrap_arm64_bytes / 1048576, 2)} MiB`, "≤ 8 MiB"],
  [`cold start, exec → first /next, median of ${ours.runs}`, "—", `${fmt(ours.next.median_ms)} ms (min ${fmt(ours.next.min_ms)}); bare aws-lambda-go ${fmt(bare.next.median_ms)} ms (min ${fmt(bare.next.min_ms)}): ${fmt(ours.next_ratio_to_first)}×`, "≤ 1.1× bare"],
  [`cold start, exec → first response (seed, fresh), median of ${ours.runs}`, "—", `${fmt(ours.response.median_ms)} ms (min ${fmt(ours.response.min_ms)}); bare ${fmt(bare.response.median_ms)} ms (min ${fmt(bare.response.min_ms)}): ${fmt(ours.response_ratio_to_first)}×`, ""],
]);
EOF
