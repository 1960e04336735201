#!/usr/bin/env bash
# Side-by-side speed of the generated code in two source trees, in one run (issue 12: "benchmark before
# and after side by side in one run, decode and prefill, and record it").
#
#   benchmarks/SideBySide/compare.sh [options] <before> <after>
#
# <before>, <after>: a commit (anything `git rev-parse` takes; checked out with `git worktree add --detach`
# into a temporary folder), the word WORKTREE (this working tree as it is, uncommitted changes included),
# or the path of a source tree. The SAME harness (this folder's files, from this tree) is built against
# each tree's runtime/ and generator/ (MSBuild property CodegenRoot), each build in its own artifacts
# folder, so nothing is written into either tree. Then, round after round, every case (shape and weight
# format) runs in both builds back to back, each in a fresh process (B A, A B, ... flipping from case to
# case and round to round); a process measures the read bandwidth, loads the model, warms up until the JIT
# is quiet and times decode and prefill. The report gives medians over rounds, ranges and ratios.
#
# Options:
#   --rounds N          rounds (default 4: 80 processes, about 13 minutes in all on the idle 2-core machine)
#   --shapes LIST       comma-separated, from 260k,15m,110m,gpt2 (default: all)
#   --quick             smoke test: 1 round, 260k and 15m, short timing (about 2 minutes)
#   --markdown FILE     also write the report (markdown) to FILE
#   --decode-seconds S  minimum timed seconds of 256-token decodes per case and process (default 1)
#   --prefill-seconds S minimum timed seconds of 128-token prefills per case and process (default 0.5)
#   --min-passes N      at least N timed passes of each (default 2)
#   --models DIR        the shared models (default: ../shared/models beside the repository)
#   --wait-idle S       before each round, wait up to S seconds for the machine to be idle (other processes
#                       under 15% of the cores over 2 s); 0: do not wait (default 30)
#   --per-process median|best  a process's figure: the median of its timed passes (default) or its fastest
#                       pass (steadier when other work shares the machine)
#   --work DIR          keep the builds and the rounds' raw results in DIR (default: a temporary folder, removed);
#                       the report can be made again from them, also from an interrupted run:
#                       dotnet DIR/build-after/bin/Codegen.SideBySide/release/Codegen.SideBySide.dll report --results DIR/results
#
# Environment: CODEGEN_BENCHMARK_DATA (where the seeded random weights are written once and reused; default
# $TMPDIR/codegen-benchmarks, as the BenchmarkDotNet suites). DOTNET_* settings (DOTNET_TieredPGO,
# DOTNET_TieredCompilation, ...) are passed to both builds alike and shown in the report. The script sets
# DOTNET_TC_CallCountingDelayMs=0 unless it is set: tiering counts calls from the start instead of after
# 100 ms without new methods, so a method that only the full 256-token decode or the 128-token prompt
# calls reaches its final (tier-1, PGO) code during the warm-up rather than in a timed pass.
#
# Example (issue 12):  benchmarks/SideBySide/compare.sh --markdown /tmp/side-by-side.md 6878880 WORKTREE
set -euo pipefail
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
project="$here/Codegen.SideBySide.csproj"

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d' | sed 's/^# \{0,1\}//' >&2
  exit 2
}

rounds=4 shapes="" markdown="" work="" models="$repo/../shared/models"
decode_seconds=1 prefill_seconds=0.5 min_passes=2 quick=0 wait_idle=30 per_process=median
positional=()
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds="$2"; shift 2 ;;
    --shapes) shapes="$2"; shift 2 ;;
    --quick) quick=1; shift ;;
    --markdown) markdown="$(realpath -m "$2")"; shift 2 ;;
    --decode-seconds) decode_seconds="$2"; shift 2 ;;
    --prefill-seconds) prefill_seconds="$2"; shift 2 ;;
    --min-passes) min_passes="$2"; shift 2 ;;
    --models) models="$2"; shift 2 ;;
    --wait-idle) wait_idle="$2"; shift 2 ;;
    --per-process) per_process="$2"; shift 2 ;;
    --work) work="$(realpath -m "$2")"; shift 2 ;;
    -h|--help) usage ;;
    --*) echo "compare.sh: unknown option $1" >&2; usage ;;
    *) positional+=("$1"); shift ;;
  esac
done
[ ${#positional[@]} -eq 2 ] || usage
if [ "$quick" = 1 ]; then
  rounds=1 decode_seconds=0.3 prefill_seconds=0.2
  shapes="${shapes:-260k,15m}"
fi
case "$rounds" in ''|*[!0-9]*|0) echo "compare.sh: --rounds must be a positive number" >&2; exit 2 ;; esac
case "$wait_idle" in ''|*[!0-9]*) echo "compare.sh: --wait-idle takes whole seconds" >&2; exit 2 ;; esac
models="$(realpath -m "$models")"
[ -f "$models/stories260K/stories260K.bin" ] || { echo "compare.sh: no stories260K in $models (give --models)" >&2; exit 2; }
call_counting_delay="${DOTNET_TC_CallCountingDelayMs-0}"
export CODEGEN_BENCHMARK_DATA="${CODEGEN_BENCHMARK_DATA:-${TMPDIR:-/tmp}/codegen-benchmarks}"

started=$(date +%s)
keep_work=1
if [ -z "$work" ]; then
  work="$(mktemp -d "${TMPDIR:-/tmp}/codegen-side-by-side.XXXXXX")"
  keep_work=0
fi
mkdir -p "$work/results"
rm -f "$work"/results/*.tsv
worktrees=()
cleanup() {
  for tree in "${worktrees[@]+"${worktrees[@]}"}"; do
    git -C "$repo" worktree remove --force "$tree" > /dev/null 2>&1 || true
  done
  git -C "$repo" worktree prune > /dev/null 2>&1 || true
  if [ "$keep_work" = 0 ]; then rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# resolve SIDE SPEC: sets tree_<side> and label_<side>.
resolve() {
  local side="$1" spec="$2" tree label commit
  if [ "$spec" = WORKTREE ]; then
    tree="$repo"
    label="working tree (HEAD $(git -C "$repo" rev-parse --short HEAD)"
    if [ -n "$(git -C "$repo" status --porcelain --untracked-files=no -- runtime generator)" ]; then
      label="$label + uncommitted changes)"
    else
      label="$label, no uncommitted changes in runtime/ or generator/)"
    fi
  elif [ -d "$spec" ]; then
    tree="$(cd "$spec" && pwd)"
    label="tree $tree"
    if head=$(git -C "$tree" rev-parse --short HEAD 2> /dev/null); then label="$label (HEAD $head)"; fi
  elif commit=$(git -C "$repo" rev-parse --verify --quiet "$spec^{commit}"); then
    tree="$work/tree-$side"
    rm -rf "$tree"
    git -C "$repo" worktree add --detach "$tree" "$commit" > /dev/null 2>&1 \
      || { echo "compare.sh: git worktree add $tree $commit failed" >&2; exit 1; }
    worktrees+=("$tree")
    label="$(git -C "$repo" log -1 --format='%h' "$commit") ($(git -C "$repo" log -1 --format='%cs' "$commit"))"
  else
    echo "compare.sh: '$spec' is neither WORKTREE, a folder, nor a commit" >&2
    exit 2
  fi
  [ -f "$tree/runtime/Codegen.Runtime.csproj" ] && [ -f "$tree/generator/Codegen.Generator.csproj" ] \
    || { echo "compare.sh: $tree has no runtime/Codegen.Runtime.csproj and generator/Codegen.Generator.csproj" >&2; exit 2; }
  printf -v "tree_$side" '%s' "$tree"
  printf -v "label_$side" '%s' "$label"
}
resolve before "${positional[0]}"
resolve after "${positional[1]}"

echo "before: $label_before  ($tree_before)"
echo "after:  $label_after  ($tree_after)"
read -r load _ < /proc/loadavg || load=0
if awk "BEGIN { exit !($load > 1.0) }"; then
  echo "warning: the 1-minute load average is $load before the run: other work on the machine makes the figures noisier"
fi

# The same harness, built against each tree (own artifacts folder each; no build servers left running).
build_notes=()
for side in before after; do
  tree_var="tree_$side"
  t0=$(date +%s)
  if ! dotnet build "$project" -c Release --artifacts-path "$work/build-$side" -p:CodegenRoot="${!tree_var}/" \
      --disable-build-servers -p:UseSharedCompilation=false -nologo -v q > "$work/build-$side.log" 2>&1; then
    tail -n 30 "$work/build-$side.log" >&2
    echo "compare.sh: the harness does not build against the $side tree (${!tree_var}); log: $work/build-$side.log" >&2
    keep_work=1
    exit 1
  fi
  echo "built the harness against the $side tree in $(( $(date +%s) - t0 )) s"
  build_notes+=("$side build $(( $(date +%s) - t0 )) s")
done
dll() { echo "$work/build-$1/bin/Codegen.SideBySide/release/Codegen.SideBySide.dll"; }

dotnet "$(dll before)" prepare --models "$models" --shapes "$shapes" > /dev/null

# Share (percent) of all cores busy over 2 seconds, from /proc/stat.
busy_percent() {
  local u n s i w q sq rest b1 t1 b2 t2
  read -r _ u n s i w q sq rest < /proc/stat; b1=$((u + n + s + q + sq)); t1=$((b1 + i + w))
  sleep 2
  read -r _ u n s i w q sq rest < /proc/stat; b2=$((u + n + s + q + sq)); t2=$((b2 + i + w))
  echo $(( (t2 - t1) > 0 ? 100 * (b2 - b1) / (t2 - t1) : 0 ))
}
wait_for_idle() {
  [ "$wait_idle" -gt 0 ] && [ -r /proc/stat ] || return 0
  local waited=0 busy
  while busy=$(busy_percent); [ "$busy" -ge 15 ]; do
    waited=$((waited + 2))
    if [ "$waited" -ge "$wait_idle" ]; then
      echo "  (the machine is still $busy% busy after waiting $waited s; running anyway)"
      return 0
    fi
  done
  if [ "$waited" -gt 0 ]; then echo "  (waited $waited s for the machine to be idle)"; fi
}

mapfile -t cases < <(dotnet "$(dll before)" cases --shapes "$shapes")
order=0
for ((round = 1; round <= rounds; round++)); do
  echo "round $round/$rounds"
  wait_for_idle
  for ((i = 0; i < ${#cases[@]}; i++)); do
    # Each case in both builds back to back, the order flipping from case to case and from round to round.
    if (( (round + i) % 2 == 1 )); then sides=(before after); else sides=(after before); fi
    for side in "${sides[@]}"; do
      order=$((order + 1))
      label_var="label_$side"
      DOTNET_TC_CallCountingDelayMs="$call_counting_delay" dotnet "$(dll "$side")" run --side "$side" --label "${!label_var}" --round "$round" --order "$order" \
        --models "$models" --case "${cases[i]}" --out "$work/results/$(printf '%04d' "$order")-$side.tsv" \
        --decode-seconds "$decode_seconds" --prefill-seconds "$prefill_seconds" --min-passes "$min_passes"
    done
  done
done

elapsed=$(( $(date +%s) - started ))
cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs || true)"
memory="$(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo 2> /dev/null || true)"
dotnet "$(dll after)" report --results "$work/results" --markdown "$markdown" --per-process "$per_process" \
  --note "Machine: ${cpu:-unknown}, $(nproc) cores, ${memory:-? memory}, .NET $(dotnet --version) SDK; ${build_notes[*]}; the whole run (builds included) took $((elapsed / 60)) min $((elapsed % 60)) s." \
  --note "Command: benchmarks/SideBySide/compare.sh $([ "$quick" = 1 ] && echo '--quick ')--rounds $rounds${shapes:+ --shapes $shapes} --decode-seconds $decode_seconds --prefill-seconds $prefill_seconds --min-passes $min_passes --wait-idle $wait_idle$([ "$per_process" = median ] || echo " --per-process $per_process") ${positional[*]}"
if [ "$keep_work" = 1 ]; then echo "raw results: $work/results"; fi
