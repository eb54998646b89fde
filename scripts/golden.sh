#!/usr/bin/env bash
# Byte-identity check for refactors: runs a fixed set of imcdse commands (every optimizer, an
# exhaustive sweep, sharded sweeps and their merge, a grading, a comparison, exports and the
# read-only commands) and compares what they write with a recording.
#
#   scripts/golden.sh record DIR [BIN]   run everything, keep the outputs in DIR
#   scripts/golden.sh check DIR [BIN]    run everything again, compare with DIR; exit 1 on a
#                                        difference, naming each file that differs
#
# BIN defaults to target/release/imcdse (built if missing). What is compared:
# - every Parquet file byte for byte, except grading.parquet, whose run_seconds column is a
#   wall time: it is compared column by column without that one (read with pyarrow, installed into a virtual environment under target/ on first use);
# - every Markdown file and every captured stdout, with times masked ("1.2 s", "3456 designs/s",
#   the grading's "run s" column);
# - run.toml files are not compared (they hold dates and times).
# The runs use the demo space (324 designs) and small budgets: the whole set takes under a
# minute with a release build.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
mode="${1:-}"
dir="${2:-}"
bin="${3:-$root/target/release/imcdse}"
if [[ "$mode" != record && "$mode" != check ]] || [[ -z "$dir" ]]; then
    sed -n 2,20p "$0" >&2
    exit 2
fi
if [[ ! -x "$bin" ]]; then
    (cd "$root" && cargo build --release -p imcdse --locked)
fi
bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"
mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"
work="$(mktemp -d /tmp/imcdse-golden.XXXXXX)"
trap 'rm -rf "$work"' EXIT
out="$work/out"
mkdir -p "$out"
cd "$work"

run() { # run NAME ARGS...: stdout to out/NAME.stdout
    local name="$1"
    shift
    "$bin" "$@" >"$out/$name.stdout" 2>"$work/$name.stderr" || {
        echo "golden: \`imcdse $*\` failed:" >&2
        cat "$work/$name.stderr" >&2
        exit 1
    }
}

for opt in ga4 nsga2 bayes anneal random; do
    budget=80
    [[ $opt == bayes ]] && budget=30
    run "sweep-$opt" sweep --space demo --optimizer "$opt" --budget "$budget" --seed 1 --out "$out/sweep-$opt"
done
run sweep-nsga2-pareto sweep --space demo --optimizer nsga2 --objective pareto --budget 120 --population 20 --out "$out/sweep-nsga2-pareto"
run sweep-edap sweep --space demo --workloads resnet18,alexnet --objective edap:alexnet --optimizer random --budget 50 --out "$out/sweep-edap"
run sweep-ga4-schedule sweep --space demo --workloads resnet18,mobilenetv3 --out "$out/sweep-ga4-schedule"
run exhaustive sweep --space demo --optimizer exhaustive --top 20 --out "$out/exhaustive"
run exhaustive-pareto sweep --space demo --optimizer exhaustive --objective pareto --keep-all --out "$out/exhaustive-pareto"
run exhaustive-mean sweep --space demo --workloads paper9 --objective mean-ela --optimizer exhaustive --out "$out/exhaustive-mean"
for i in 0 1 2; do
    run "shard-$i" sweep --space demo --optimizer exhaustive --top 10 --shard "$i/3" --out "$out/shards/s$i"
done
run merge-sweep merge "$out/shards/s2" "$out/shards/s0" "$out/shards/s1" --out "$out/merged-sweep"
run grade grade --space demo --workloads resnet18,alexnet --optimizers ga4,nsga2,anneal,random,bayes --budgets 10,40 --seeds 2 --cache "$work/cache" --out "$out/grade"
run grade-pareto grade --space demo --workloads resnet18,alexnet --objective pareto --optimizers nsga2,random --budgets 30 --seeds 2 --population 10 --cache "$work/cache" --out "$out/grade-pareto"
for i in 0 1; do
    run "grade-shard-$i" grade --space demo --workloads resnet18,alexnet --optimizers random,anneal --budgets 20 --seeds 2 --cache "$work/cache" --shard "$i/2" --out "$out/grade-shards/g$i"
done
run merge-grade merge "$out/grade-shards/g0" "$out/grade-shards/g1" --out "$out/merged-grade"
run compare compare --space demo --optimizer random --budget 60 --seeds 2 --out "$out/compare"
run compare-max compare --space demo --workloads resnet18,alexnet --objective mean-ela --optimizer anneal --budget 60 --seeds 1 --sequential-start max --out "$out/compare-max"
for i in 0 1; do
    run "compare-shard-$i" compare --space demo --optimizer random --budget 60 --seeds 2 --shard "$i/2" --out "$out/compare-shards/c$i"
done
run merge-compare merge "$out/compare-shards/c0" "$out/compare-shards/c1" --out "$out/merged-compare"
run export-md export "$out/sweep-ga4" --plot "$out/front.svg"
run export-latex export "$out/exhaustive" --format latex --table pareto
run export-csv export "$out/compare" --format csv --plot "$out/bars.svg"
run export-cols export "$out/sweep-nsga2-pareto" --columns rows,cols,score --sort score:desc --top 5
run eval-json eval --space paper-rram --set voltage_v=0.7,bits_per_cell=2,cycle_ns=1,rows=256,cols=256,router_groups=4,tiles_per_group=16,crossbars_per_tile=32,glb_mib=2 --json
run eval-text eval --space demo --set rows=128,cols=128,bits_per_cell=2,crossbars_per_tile=32,router_groups=4,tiles_per_group=16 --workloads paper9
run eval-snn eval --space demo --set rows=128,cols=128,bits_per_cell=2,crossbars_per_tile=32,router_groups=4,tiles_per_group=16 --workloads snn,llama2-7b-softmax,vit-b16 --json
run sweep-snn sweep --space demo --workloads resnet18,snn-cifar10dvs --optimizer random --budget 40 --out "$out/sweep-snn"
run workloads workloads
run workloads-json workloads paper9 --json
run workloads-layers workloads mobilenetv3
run space space paper-rram
run space-json space demo --json
run softmax softmax
rm -f "$out"/*/checkpoint.jsonl.*.tmp

# Masks times in text: "0.1 s", "12.3 s)", "(4567 designs/s", "[00:00:01]".
mask() {
    sed -E -e "s#$work#WORK#g" -e 's/[0-9]+(\.[0-9]+)? s\b/T s/g' -e 's/[0-9]+ designs\/s/N designs\/s/g' \
        -e 's/\| *[0-9.]+ *\|$/| T |/' "$1" | awk '
        # grading tables: the last column is the run time
        /run s \(full budget\)/ { grading = 1; print; next }
        grading && NF > 1 && $0 !~ /^-/ && $0 !~ /^Regenerate/ { $NF = "T" }
        /^$/ { grading = 0 }
        { print }'
}

grading_text() {
    "$work/venv/bin/python" - "$1" <<'EOF'
import sys, pyarrow.parquet as pq
t = pq.read_table(sys.argv[1]).drop(["run_seconds"])
for name in t.column_names:
    print(name, t.column(name).to_pylist())
EOF
}

need_venv() {
    if [[ ! -x "$work/venv/bin/python" ]]; then
        local cached="$root/target/golden-venv"
        if [[ ! -x "$cached/bin/python" ]]; then
            python3 -m venv "$cached"
            "$cached/bin/pip" install -q pyarrow
        fi
        ln -s "$cached" "$work/venv"
    fi
}

normalize() { # normalize SRC DST: the comparable form of every file
    local src="$1" dst="$2"
    rm -rf "$dst"
    mkdir -p "$dst"
    (cd "$src" && find . -type f | sort) | while read -r f; do
        mkdir -p "$dst/$(dirname "$f")"
        case "$f" in
        */run.toml | */.lock | *.jsonl | */certified.json | *.png) ;;
        */grading.parquet) need_venv; grading_text "$src/$f" >"$dst/$f.txt" ;;
        *.parquet) cp "$src/$f" "$dst/$f" ;;
        *.svg) sed "s#$work#WORK#g" "$src/$f" >"$dst/$f" ;;
        *.md | *.stdout) mask "$src/$f" >"$dst/$f" ;;
        *) cp "$src/$f" "$dst/$f" ;;
        esac
    done
}

normalize "$out" "$work/norm"
if [[ "$mode" == record ]]; then
    rm -rf "$dir"
    mkdir -p "$dir"
    cp -r "$work/norm/." "$dir/"
    echo "golden: recorded $(find "$dir" -type f | wc -l) files in $dir"
else
    if diff -r "$dir" "$work/norm" >"$work/diff.txt"; then
        echo "golden: $(find "$dir" -type f | wc -l) files identical to $dir"
    else
        echo "golden: differences from $dir:" >&2
        grep -E '^(Only in|Binary files|diff )' "$work/diff.txt" >&2 || true
        head -60 "$work/diff.txt" >&2
        exit 1
    fi
fi
