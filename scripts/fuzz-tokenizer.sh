#!/bin/sh
# Fuzzes the native tokenizer with libFuzzer + AddressSanitizer/UndefinedBehaviorSanitizer (and
# LeakSanitizer) for the given number of minutes, over every tokenizer file we have:
#   scripts/fuzz-tokenizer.sh [MINUTES]      (default 10)
# Two targets: fuzz_encode (Encode on arbitrary bytes, every truncation mode) runs against each
# tokenizer file in turn; fuzz_load (FromJson on mutated tokenizer.json files) gets the rest of the time.
# Needs clang and its libFuzzer runtime (Debian: clang libclang-rt-14-dev); installs them when run as
# root on Debian. Crashes, leaks and UB reports fail the script; reproducers land in .cache/fuzz/artifacts.
set -eu
cd "$(dirname "$0")/.."
minutes="${1:-10}"
out=.cache/fuzz
mkdir -p "$out/artifacts" "$out/tokenizers" "$out/seeds-encode" "$out/seeds-load"

fuzz_flags="-std=c++17 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -DCROSSRANK_LIBFUZZER"
# The tokenizer library: every .cc under native/tokenizer/ except its tools (as in CMakeLists.txt).
sources=$(find native/tokenizer -name '*.cc' ! -path '*/tools/*' | sort)
if ! echo 'extern "C" int LLVMFuzzerTestOneInput(const char*, unsigned long) { return 0; }' |
    clang++ $fuzz_flags -x c++ - -o "$out/probe" >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "fuzz: installing clang and libFuzzer (Debian packages)" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clang libclang-rt-14-dev >/dev/null
  else
    echo "fuzz: needs clang++ with libFuzzer (Debian: apt-get install clang libclang-rt-14-dev)" >&2
    exit 1
  fi
fi

echo "fuzz: building targets" >&2
for target in fuzz_encode fuzz_load; do
  clang++ $fuzz_flags -Inative $sources "native/tokenizer/tools/$target.cc" -o "$out/$target" &
done
wait

# Tokenizer files: the shared real ones where present, plus the project's own generated ones.
node --input-type=module -e "
import fs from 'node:fs';
import path from 'node:path';
import { writeSmallBertTokenizer, haveNmtNfkc, writeXlmrTokenizer, XLMR_VARIANTS, XLMR_SAMPLE_TEXTS } from './test/fixtures/generate.mjs';
const dir = '$out/tokenizers';
writeSmallBertTokenizer(path.join(dir, 'small-bert.json'));
if (haveNmtNfkc()) for (const variant of XLMR_VARIANTS) writeXlmrTokenizer(path.join(dir, 'xlmr-' + variant + '.json'), { vocabSize: 'small', seed: 1, variant });
const shared = '../shared/tokenizers';
if (fs.existsSync(shared)) for (const f of fs.readdirSync(shared)) if (f.endsWith('.json')) fs.copyFileSync(path.join(shared, f), path.join(dir, f));
// Encode seeds: an options byte, a split byte, then text.
const texts = [...XLMR_SAMPLE_TEXTS, 'Hello [SEP] world', '<s> a </s> <mask> b', '  runs   of   spaces  ', 'e\u0301\u0301 \u{1F469}\u200D\u{1F4BB} \u{1F44D}\u{1F3FD}'];
texts.forEach((t, i) => fs.writeFileSync(path.join('$out/seeds-encode', 'seed' + i), Buffer.concat([Buffer.from([i * 37 & 255, 128]), Buffer.from(t)])));
"
# Load seeds: the smaller tokenizer files themselves (JSON structure to mutate).
find "$out/tokenizers" -name '*.json' -size -2M -exec cp {} "$out/seeds-load/" \;

files=$(ls "$out"/tokenizers/*.json)
count=$(echo "$files" | wc -l)
total=$((minutes * 60))
per_file=$((total * 7 / 10 / count)); [ "$per_file" -lt 5 ] && per_file=5
load_time=$((total * 3 / 10)); [ "$load_time" -lt 5 ] && load_time=5
export ASAN_OPTIONS="detect_leaks=1:allocator_may_return_null=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"

status=0
for file in $files; do
  echo "fuzz: fuzz_encode on $(basename "$file") for ${per_file}s" >&2
  mkdir -p "$out/corpus-encode/$(basename "$file")"
  CROSSRANK_FUZZ_TOKENIZER="$file" "$out/fuzz_encode" -max_total_time="$per_file" -max_len=4096 \
    -artifact_prefix="$out/artifacts/" -print_final_stats=1 "$out/corpus-encode/$(basename "$file")" "$out/seeds-encode" \
    2> "$out/encode-$(basename "$file").log" || { status=1; tail -40 "$out/encode-$(basename "$file").log" >&2; }
  grep -E "stat::number_of_executed_units" "$out/encode-$(basename "$file").log" >&2 || true
done
echo "fuzz: fuzz_load for ${load_time}s" >&2
mkdir -p "$out/corpus-load"
"$out/fuzz_load" -max_total_time="$load_time" -max_len=2000000 -rss_limit_mb=4096 \
  -artifact_prefix="$out/artifacts/" -print_final_stats=1 "$out/corpus-load" "$out/seeds-load" \
  2> "$out/load.log" || { status=1; tail -40 "$out/load.log" >&2; }
grep -E "stat::number_of_executed_units" "$out/load.log" >&2 || true
[ "$status" = 0 ] && echo "fuzz: no crash, leak or undefined behaviour in ${minutes} minute(s)" >&2
exit "$status"
