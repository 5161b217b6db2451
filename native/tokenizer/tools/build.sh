#!/bin/sh
# Builds the tokenizer dev tools with plain g++ (no CMake needed), into .cache/tokenizer/:
#   native/tokenizer/tools/build.sh             tokenize_cli, normalize_cli (-O2)
#   SANITIZE=1 native/tokenizer/tools/build.sh  tokenize_cli_asan    (ASan + UBSan)
#   FUZZ=1 native/tokenizer/tools/build.sh      fuzz_encode, fuzz_load (ASan + UBSan, standalone driver)
# With clang, real libFuzzer builds are:
#   clang++ -std=c++17 -g -O1 -fsanitize=fuzzer,address,undefined -DCROSSRANK_LIBFUZZER \
#     -Inative $(find native/tokenizer -name '*.cc' ! -path '*/tools/*') native/tokenizer/tools/fuzz_encode.cc -o fuzz_encode
set -e
cd "$(dirname "$0")/../../.."
OUT=.cache/tokenizer
mkdir -p "$OUT"
CXX=${CXX:-g++}
FLAGS="-std=c++17 -Wall -Wextra -Werror -Inative"
# The tokenizer library: every .cc under native/tokenizer/ except these tools (as in CMakeLists.txt).
SOURCES=$(find native/tokenizer -name '*.cc' ! -path '*/tools/*' | sort)
SAN="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all"
if [ -n "$FUZZ" ]; then
  # Compile the library once, link both targets.
  mkdir -p "$OUT/obj-san"
  rm -f "$OUT"/obj-san/*.o
  for f in $SOURCES; do
    # normalizers/bert.cc -> normalizers_bert.o: stage folders share file names.
    $CXX $FLAGS $SAN -c "$f" -o "$OUT/obj-san/$(echo "${f#native/tokenizer/}" | tr / _ | sed 's/\.cc$//').o" &
  done
  wait
  $CXX $FLAGS $SAN "$OUT"/obj-san/*.o native/tokenizer/tools/fuzz_encode.cc -o "$OUT/fuzz_encode"
  $CXX $FLAGS $SAN "$OUT"/obj-san/*.o native/tokenizer/tools/fuzz_load.cc -o "$OUT/fuzz_load"
  exit 0
fi
if [ -n "$SANITIZE" ]; then
  exec $CXX $FLAGS $SAN $SOURCES native/tokenizer/tools/tokenize_cli.cc -o "$OUT/tokenize_cli_asan"
fi
$CXX $FLAGS -O2 $SOURCES native/tokenizer/tools/tokenize_cli.cc -o "$OUT/tokenize_cli"
$CXX $FLAGS -O2 $SOURCES native/tokenizer/tools/normalize_cli.cc -o "$OUT/normalize_cli"
