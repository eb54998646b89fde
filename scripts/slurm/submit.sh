#!/usr/bin/env bash
# Submits a sharded imcdse run to Slurm: an array of N shard tasks and a merge job that waits
# for all of them (afterok). Prints the two job ids ("<array id> <merge id>").
#
#   scripts/slurm/submit.sh --shards 16 --out results/big -- sweep --optimizer exhaustive \
#       --space search-spaces/big.toml --workloads paper9 --objective max-ela
#   scripts/slurm/submit.sh --shards 4 --out results/grade -- grade --seeds 40
#
# Options before `--`: --shards N (required), --out DIR (required; shards go to DIR/shard-i,
# the merged result to DIR/merged, Slurm's logs to DIR/logs), --imcdse PATH (default: the
# imcdse on PATH, else target/release/imcdse of this checkout), --cpus C (cores per shard,
# default 1), --time T and --partition P (passed to sbatch), --after JOB (the shards start
# when job JOB has succeeded, e.g. the merge of an exhaustive sweep that a grading certifies
# from), and any other option of the form --sbatch-X=V, passed to both jobs as --X=V (e.g.
# --sbatch-account=myproj).
# After `--`: the imcdse command (sweep, compare, grade) and its options, without --shard/--out.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
shards="" out="" imcdse="" cpus=1 after="" extra=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --shards) shards="$2"; shift 2 ;;
        --out) out="$2"; shift 2 ;;
        --imcdse) imcdse="$2"; shift 2 ;;
        --cpus) cpus="$2"; shift 2 ;;
        --time) extra+=("--time=$2"); shift 2 ;;
        --partition) extra+=("--partition=$2"); shift 2 ;;
        --after) after="$2"; shift 2 ;;
        --sbatch-*=*) extra+=("--${1#--sbatch-}"); shift ;;
        --) shift; break ;;
        *) echo "submit.sh: unknown option \`$1\` (options: --shards N --out DIR [--imcdse PATH] [--cpus C] [--time T] [--partition P] [--after JOB] [--sbatch-X=V] -- <command> <options>)" >&2; exit 2 ;;
    esac
done
[[ "$shards" =~ ^[1-9][0-9]*$ ]] || { echo "submit.sh: --shards must be a positive integer, not \`$shards\`" >&2; exit 2; }
[[ -n "$out" ]] || { echo "submit.sh: --out DIR is required" >&2; exit 2; }
[[ $# -ge 1 ]] || { echo "submit.sh: give the imcdse command after --, e.g. -- sweep --optimizer exhaustive" >&2; exit 2; }
command="$1"; shift
case "$command" in
    sweep | compare | grade) ;;
    *) echo "submit.sh: \`$command\` cannot be sharded; use sweep (with --optimizer exhaustive), compare or grade" >&2; exit 2 ;;
esac
for a in "$@"; do
    case "$a" in
        --shard* | --out*) echo "submit.sh: leave $a to submit.sh (it sets --shard i/N and --out DIR/shard-i)" >&2; exit 2 ;;
    esac
done
if [[ -z "$imcdse" ]]; then
    imcdse="$(command -v imcdse || true)"
    [[ -n "$imcdse" ]] || imcdse="$(cd "$here/../.." && pwd)/target/release/imcdse"
fi
[[ -x "$imcdse" ]] || { echo "submit.sh: no imcdse binary at $imcdse; build it (cargo build --release -p imcdse) or pass --imcdse PATH" >&2; exit 2; }
imcdse="$(cd "$(dirname "$imcdse")" && pwd)/$(basename "$imcdse")"
mkdir -p "$out/logs"
out="$(cd "$out" && pwd)"
export IMCDSE="$imcdse" IMCDSE_COMMAND="$command" IMCDSE_ARGS="$*" IMCDSE_SHARDS="$shards" IMCDSE_OUT="$out"
wait_for=()
[[ -z "$after" ]] || wait_for=("--dependency=afterok:$after" --kill-on-invalid-dep=yes)
array=$(sbatch --parsable --export=ALL --array="0-$((shards - 1))" --cpus-per-task="$cpus" "${wait_for[@]}" \
    --chdir="$PWD" --output="$out/logs/shard-%a.out" "${extra[@]}" "$here/shard.sbatch")
array="${array%%;*}"
merge=$(sbatch --parsable --export=ALL --dependency="afterok:$array" --kill-on-invalid-dep=yes \
    --chdir="$PWD" --output="$out/logs/merge.out" "${extra[@]}" "$here/merge.sbatch")
merge="${merge%%;*}"
echo "$array $merge"
