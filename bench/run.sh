#!/usr/bin/env bash
# Runs each benchmark on MVM and on its peers (lua5.4, luajit, python3),
# side by side in one run, and prints wall time, peak memory and the ratio
# of each peer's time to MVM's. Peers that are not installed are skipped
# (`apt-get install lua5.4 luajit` adds them).
#
#   bash bench/run.sh            # every benchmark
#   bash bench/run.sh binary_trees
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet --bin mvlc --bin mvm
names=${1:-$(ls bench/*.mvl | xargs -n1 basename | sed 's/\.mvl$//')}
measure() { # label command... -> "seconds peak_kb"
    local out
    out=$( { /usr/bin/time -f "%e %M" "$@" > /tmp/bench.out; } 2>&1 | tail -1)
    echo "$out"
}
for name in $names; do
    ./target/release/mvlc build "bench/$name.mvl" -o "/tmp/$name.mvb"
    echo "== $name"
    printf "%-10s %9s %12s %8s\n" runner seconds "peak MB" "vs mvm"
    read -r mvm_s mvm_kb <<< "$(measure ./target/release/mvm run "/tmp/$name.mvb")"
    expected=$(md5sum < /tmp/bench.out)
    printf "%-10s %9s %12.1f %8s\n" mvm "$mvm_s" "$(echo "$mvm_kb/1024" | bc -l)" "1.00"
    for peer in lua5.4 luajit python3; do
        src="bench/$name.${peer%5.4}"
        case $peer in
            lua5.4) src="bench/$name.lua" ;;
            luajit) src="bench/$name.luajit.lua"; [ -f "$src" ] || src="bench/$name.lua" ;;
            python3) src="bench/$name.py" ;;
        esac
        command -v "$peer" > /dev/null && [ -f "$src" ] || { printf "%-10s %9s\n" "$peer" "(not installed)"; continue; }
        read -r s kb <<< "$(measure "$peer" "$src")"
        same=$([ "$(md5sum < /tmp/bench.out)" = "$expected" ] && echo "" || echo " (output differs!)")
        printf "%-10s %9s %12.1f %8.2f%s\n" "$peer" "$s" "$(echo "$kb/1024" | bc -l)" "$(echo "$s/$mvm_s" | bc -l)" "$same"
    done
done
