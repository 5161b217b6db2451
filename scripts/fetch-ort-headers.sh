#!/bin/sh
# Fetches ONNX Runtime's C/C++ headers from Debian's libonnxruntime-dev (trixie) into a cache folder,
# without root and without touching the system's apt configuration, and prints the include folder.
# Only headers are taken: the runtime library itself comes from the onnxruntime-node package and is
# dlopen'ed at run time, so the header version only has to be <= the runtime's API version.
set -eu
cache="${1:?usage: fetch-ort-headers.sh CACHE_DIR}"
include="$cache/root/usr/include/onnxruntime"
if [ -f "$include/onnxruntime_cxx_api.h" ]; then echo "$include"; exit 0; fi

command -v apt-get >/dev/null 2>&1 || {
  echo "crossrank: ONNX Runtime headers not found and apt-get is unavailable." >&2
  echo "crossrank: set ORT_INCLUDE_DIR to a folder holding onnxruntime_cxx_api.h (ORT >= 1.21)." >&2
  exit 1
}
mkdir -p "$cache/apt/lists/partial" "$cache/apt/archives/partial" "$cache/debs"
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
signed=""; [ -f "$keyring" ] && signed="[signed-by=$keyring] "
echo "deb ${signed}${CROSSRANK_DEBIAN_MIRROR:-http://deb.debian.org/debian} trixie main" > "$cache/apt/sources.list"
: > "$cache/apt/status"
set -- -o Dir::Etc::SourceList="$cache/apt/sources.list" -o Dir::Etc::SourceParts=/dev/null \
  -o Dir::State::Lists="$cache/apt/lists" -o Dir::State::Status="$cache/apt/status" \
  -o Dir::Cache="$cache/apt" -o Debug::NoLocking=1 -o APT::Sandbox::User="$(id -un)"
echo "crossrank: fetching libonnxruntime-dev (Debian trixie) for ONNX Runtime headers" >&2
apt-get "$@" -qq update >&2
(cd "$cache/debs" && apt-get "$@" -qq download libonnxruntime-dev >&2)
for deb in "$cache"/debs/libonnxruntime-dev_*.deb; do dpkg-deb -x "$deb" "$cache/root"; done
rm -rf "$cache/apt"
[ -f "$include/onnxruntime_cxx_api.h" ] || { echo "crossrank: libonnxruntime-dev held no onnxruntime_cxx_api.h" >&2; exit 1; }
echo "$include"
