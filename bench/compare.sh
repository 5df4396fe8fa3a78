#!/usr/bin/env bash
# compare.sh runs the JavaScript anchor (the official JS durable-execution SDK
# and its local runner, ../shared/anchors/js) and the Go benchmarks on this
# machine, one after the other, and prints JS/Go ratio tables per workflow,
# then the Go process figures: peak RSS of seq-1000, bootstrap size, cold start.
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

# Rows: workflow n skipTime resync. Real timers: what the JS runner costs when
# waits are short; skipTime: the runner's virtual time, like the Go runner's.
rows=(
  "seq 10 0 none" "seq 100 0 none" "seq 1000 0 none"
  "seq 10 1 run" "seq 100 1 run"
  "replay 10 0 none" "replay 100 0 none" "replay 1000 0 none"
  "map 10 0 none" "map 100 0 none" "map 1000 0 none"
  "wait-chain - 1 run"
  "retry - 0 none" "retry - 1 run"
  "seed - 0 none" "seed - 1 run"
)
if [[ -n "${FULL:-}" ]]; then rows+=("seq 1000 1 run"); fi
: >"$out/js-rows.jsonl"
for row in "${rows[@]}"; do
  read -r wf n skip resync <<<"$row"
  args=("$wf")
  [[ "$n" != "-" ]] && args+=("$n")
  log "node run-one.mjs ${args[*]} --skip-time=$skip --resync=$resync --runs=$js_runs --warmup=$js_warmup"
  (cd "$js" && node run-one.mjs "${args[@]}" --skip-time="$skip" --resync="$resync" --runs="$js_runs" --warmup="$js_warmup") \
    | tail -n 1 >>"$out/js-rows.jsonl"
done
# Peak RSS of a process running one seq-1000 execution (the anchor's single-run figure).
log "node run-one.mjs seq 1000 --skip-time=0 --resync=none --runs=1 --warmup=0 (peak RSS of one execution)"
(cd "$js" && node run-one.mjs seq 1000 --skip-time=0 --resync=none --runs=1 --warmup=0) | tail -n 1 >"$out/js-rss.jsonl"
log "node replay.mjs --ns=10,100,1000,10000 --runs=$js_runs --warmup=$js_warmup"
(cd "$js" && node replay.mjs --ns=10,100,1000,10000 --runs="$js_runs" --warmup="$js_warmup") >"$out/js-direct.jsonl"

# --- Go ------------------------------------------------------------------------
cd "$root"
log "go test -run '^\$' -bench . -benchmem -count=$go_count -benchtime=$go_benchtime ./durable/ ./durable/durabletest/"
go test -run '^$' -bench . -benchmem -count="$go_count" -benchtime="$go_benchtime" ./durable/ ./durable/durabletest/ | tee "$out/go-bench.txt" >&2

log "peak RSS: go run ./bench/rss (runner, then SDK alone)"
go build -o "$out/rss" ./bench/rss
{ "$out/rss" -n 1000; "$out/rss" -n 1000 -sdk; } >"$out/go-rss.jsonl"

build_flags=(-tags lambda.norpc -trimpath -buildvcs=false -ldflags "-s -w -buildid=")
log "bootstrap: GOOS=linux GOARCH=arm64 CGO_ENABLED=0 go build ${build_flags[*]} ./lambda"
GOOS=linux GOARCH=arm64 CGO_ENABLED=0 go build "${build_flags[@]}" -o "$out/bootstrap-arm64" ./lambda
host_arch="$(go env GOARCH)"
GOOS=linux GOARCH="$host_arch" CGO_ENABLED=0 go build "${build_flags[@]}" -o "$out/bootstrap-$host_arch" ./lambda
log "cold start: go run ./bench/coldstart -n 20 bootstrap-$host_arch"
go run ./bench/coldstart -n 20 "$out/bootstrap-$host_arch" >"$out/go-coldstart.json"
stat -c '{"bootstrap_arm64_bytes":%s}' "$out/bootstrap-arm64" >"$out/go-size.json"
load_end="$(cut -d' ' -f1-3 /proc/loadavg)"
log "load average at end: $load_end"
echo "Machine: $machine; load average $load_start at start, $load_end at end; JS: $js_runs runs after $js_warmup warm-up; Go: -count=$go_count -benchtime=$go_benchtime"
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
const low = (name, unit) => { const r = samples[name]?.[unit]; return r ? Math.min(...r) : undefined; };
const go = (name, unit) => { const r = samples[name]?.[unit]; return r ? med(r) : undefined; };

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

console.log("Local runner: one execution to its end (JS: median run_ms; Go: median ns/op; ratios of medians)\n");
const names = ["seq-10", "seq-100", "seq-1000", "replay-10", "replay-100", "replay-1000", "map-10", "map-100", "map-1000", "wait-chain", "retry", "seed"];
table(
  ["workflow", "JS real timers ms", "JS skipTime ms", "Go runner ms", "JS real / Go", "JS skipTime / Go", "JS calls/updates", "Go calls/updates", "JS real min ms", "Go min ms"],
  names.map((n) => {
    const real = js[`${n}/real`], skip = js[`${n}/skip`];
    const g = go(`BenchmarkRunner/${n}`, "ns/op");
    const gms = g === undefined ? undefined : g / 1e6;
    const any = real ?? skip;
    const gc = go(`BenchmarkRunner/${n}`, "calls/op"), gu = go(`BenchmarkRunner/${n}`, "updates/op");
    return [n, fmt(real?.run_ms_median), fmt(skip?.run_ms_median), fmt(gms, 3), ratio(real?.run_ms_median, gms), ratio(skip?.run_ms_median, gms),
      any ? `${any.checkpoint_calls} / ${any.checkpoint_updates}` : "—", gc === undefined ? "—" : `${gc} / ${gu}`,
      fmt(real?.run_ms_min), fmt(low(`BenchmarkRunner/${n}`, "ns/op") / 1e6, 3)];
  }),
);

console.log("SDK alone, in-memory client: cost per step (JS replay.mjs: µs/step; Go BenchmarkSDK: ns/step)\n");
const sdkRows = [];
for (const n of [10, 100, 1000, 10000]) {
  const d = direct[n];
  const f = go(`BenchmarkSDK/seq-${n}`, "ns/step"), r = go(`BenchmarkSDK/replay-${n}`, "ns/step");
  sdkRows.push([`seq-${n} fresh`, fmt(d?.fresh_us_per_step), fmt(f === undefined ? undefined : f / 1000, 3), ratio(d?.fresh_us_per_step, f === undefined ? undefined : f / 1000),
    d ? `${d.fresh_checkpoint_calls} / ${d.fresh_checkpoint_updates}` : "—", `${go(`BenchmarkSDK/seq-${n}`, "calls/op")} / ${go(`BenchmarkSDK/seq-${n}`, "updates/op")}`]);
  sdkRows.push([`replay-${n}`, fmt(d?.replay_us_per_step), fmt(r === undefined ? undefined : r / 1000, 3), ratio(d?.replay_us_per_step, r === undefined ? undefined : r / 1000),
    d ? `${d.replay_checkpoint_calls} / —` : "—", `${go(`BenchmarkSDK/replay-${n}`, "calls/op")} / ${go(`BenchmarkSDK/replay-${n}`, "updates/op")}`]);
}
table(["workflow", "JS µs/step", "Go µs/step", "JS / Go", "JS calls/updates", "Go calls/updates"], sdkRows);

console.log("Go SDK alone, whole execution (BenchmarkSDK, median)\n");
table(["workflow", "µs/op", "µs/step", "B/op", "allocs/op", "calls/op", "updates/op"],
  Object.keys(samples).filter((k) => k.startsWith("BenchmarkSDK/")).map((k) => [k.slice(13), fmt(go(k, "ns/op") / 1000, 1), fmt(go(k, "ns/step") / 1000, 3),
    fmt(go(k, "B/op")), fmt(go(k, "allocs/op")), fmt(go(k, "calls/op")), fmt(go(k, "updates/op"))]));

const jsRss = lines("js-rss.jsonl")[0];
const rss = lines("go-rss.jsonl"), cold = lines("go-coldstart.json")[0], size = lines("go-size.json")[0];
console.log("Process figures\n");
table(["figure", "JS", "Go", "target"], [
  ["peak RSS, one seq-1000 execution (runner)", `${jsRss?.peak_rss_mb ?? "—"} MiB`, `${fmt(rss[0].vmhwm_kb / 1024, 1)} MiB`, "≤ 20 MB"],
  ["peak RSS, one seq-1000 execution (SDK alone)", "—", `${fmt(rss[1].vmhwm_kb / 1024, 1)} MiB`, ""],
  ["bootstrap size (linux/arm64)", "—", `${size.bootstrap_arm64_bytes.toLocaleString("en-US")} B = ${fmt(size.bootstrap_arm64_bytes / 1048576, 2)} MiB`, "≤ 8 MiB"],
  ["cold start, exec → first /next (median of 20)", "—", `${fmt(cold.median_ms)} ms (min ${fmt(cold.min_ms)}, max ${fmt(cold.max_ms)})`, "≤ 10 ms"],
]);
EOF
