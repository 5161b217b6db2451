// A minimal standalone driver for libFuzzer-style targets, for toolchains without
// -fsanitize=fuzzer (g++): runs seed files, then random and mutated inputs.
//   target [-runs N] [-seed S] [seed files...]
// With clang, build the target with -fsanitize=fuzzer,address,undefined and
// -DCROSSRANK_LIBFUZZER instead; this driver is then left out.
#ifndef CROSSRANK_TOKENIZER_TOOLS_FUZZ_DRIVER_H_
#define CROSSRANK_TOKENIZER_TOOLS_FUZZ_DRIVER_H_

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

#ifndef CROSSRANK_LIBFUZZER
namespace crossrank_fuzz {

inline std::string RandomInput(std::mt19937_64& rng, const std::vector<std::string>& seeds) {
  static const char* const kPieces[] = {
      "[SEP]", "[CLS]", "[MASK]", "[PAD]", "[UNK]", "[sep]", " ", "\t", "\n", "e\xCC\x81", "\xC3\xA9",
      "\xE5\x8C\x97", "\xF0\x9F\x91\x8D", "\xE2\x80\x8D", "\xEF\xBB\xBF", "\xC2\xA0", "\xE3\x80\x80",
      "\xF0\xAB\xA0\xA0", "\xCC\x81", "\xCD\x85", "\xF0\x9D\x85\xA5", "unaffable", "the", ",", ".", "$",
      "\xE2\x82\xAC", "\xC4\xB0", "\xCE\xA3", "\x00", "\xFF", "\xC0\x80", "\xED\xA0\x80", "\xF4\x90\x80\x80",
      "\xE0\x80", "\xF0\x9F", "\x80", "{", "}", "\"", "\\u00e9", "\\ud83d\\ude00", "\\ud800", ":", "[", "]"};
  std::string s;
  const int mode = static_cast<int>(rng() % 4);
  if (mode == 0 && !seeds.empty()) {
    // Mutate a seed: byte flips, insertions, deletions, splices.
    s = seeds[rng() % seeds.size()];
    const int edits = 1 + static_cast<int>(rng() % 8);
    for (int e = 0; e < edits && !s.empty(); ++e) {
      const size_t pos = rng() % s.size();
      switch (rng() % 4) {
        case 0: s[pos] = static_cast<char>(rng()); break;
        case 1: s.insert(pos, kPieces[rng() % (sizeof kPieces / sizeof *kPieces)]); break;
        case 2: s.erase(pos, 1 + rng() % 16); break;
        default: s = s.substr(0, pos) + seeds[rng() % seeds.size()].substr(pos % (seeds[0].size() + 1)); break;
      }
    }
    return s;
  }
  const size_t n = rng() % (mode == 1 ? 64 : 600);
  for (size_t i = 0; i < n; ++i) {
    if (mode == 2 && rng() % 3 == 0) {
      s.push_back(static_cast<char>(rng()));  // raw bytes, mostly ill-formed
    } else {
      s += kPieces[rng() % (sizeof kPieces / sizeof *kPieces)];
    }
  }
  return s;
}

}  // namespace crossrank_fuzz

int main(int argc, char** argv) {
  long runs = 20000;
  uint64_t seed = 1;
  std::vector<std::string> seeds;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "-runs") == 0 && i + 1 < argc) {
      runs = std::strtol(argv[++i], nullptr, 10);
    } else if (std::strcmp(argv[i], "-seed") == 0 && i + 1 < argc) {
      seed = std::strtoull(argv[++i], nullptr, 10);
    } else {
      std::ifstream f(argv[i], std::ios::binary);
      std::stringstream ss;
      ss << f.rdbuf();
      seeds.push_back(ss.str());
    }
  }
  for (const auto& s : seeds) LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(s.data()), s.size());
  std::mt19937_64 rng(seed);
  for (long r = 0; r < runs; ++r) {
    const std::string in = crossrank_fuzz::RandomInput(rng, seeds);
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(in.data()), in.size());
  }
  std::fprintf(stderr, "fuzz driver: %zu seeds + %ld random inputs, no crash\n", seeds.size(), runs);
  return 0;
}
#endif  // CROSSRANK_LIBFUZZER

#endif  // CROSSRANK_TOKENIZER_TOOLS_FUZZ_DRIVER_H_
