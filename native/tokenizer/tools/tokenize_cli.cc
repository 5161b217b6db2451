// Dev harness for the tokenizer (and the basis of a fuzz target).
//
//   tokenize_cli TOKENIZER_JSON [--tokens] [--bench N [--threads T]]  < requests.jsonl
//
// Each stdin line is a JSON object {"a": str, "b": str|null, "max_length": n,
// "strategy": "longest_first"|"only_first"|"only_second", "add_special_tokens": bool}
// (all but "a" optional). Each stdout line is {"ids":[..],"type_ids":[..],"attention_mask":[..]}
// (+ "tokens" with --tokens) or {"error": "..."}.
// --bench N: encode all requests N times and print throughput to stderr (no stdout output).
// --threads T (with --bench): T threads encode concurrently with one shared Tokenizer; each
// thread's results are checked against a single-threaded reference (exit 1 on a difference).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "tokenizer/json.h"
#include "tokenizer/tokenizer.h"

using crossrank::tokenizer::EncodeOptions;
using crossrank::tokenizer::Encoding;
using crossrank::tokenizer::Tokenizer;
using crossrank::tokenizer::TokenizerError;
using crossrank::tokenizer::TruncationStrategy;
namespace json = crossrank::tokenizer::json;

namespace {

struct Request {
  std::string a, b;
  bool has_b = false;
  EncodeOptions options;
  std::string error;  // request parse error
};

void AppendJsonString(std::string* out, const std::string& s) {
  out->push_back('"');
  for (unsigned char c : s) {
    switch (c) {
      case '"': out->append("\\\""); break;
      case '\\': out->append("\\\\"); break;
      case '\n': out->append("\\n"); break;
      case '\r': out->append("\\r"); break;
      case '\t': out->append("\\t"); break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out->append(buf);
        } else {
          out->push_back(static_cast<char>(c));
        }
    }
  }
  out->push_back('"');
}

void AppendArray(std::string* out, const char* name, const std::vector<int32_t>& v) {
  out->push_back('"');
  out->append(name);
  out->append("\":[");
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) out->push_back(',');
    out->append(std::to_string(v[i]));
  }
  out->push_back(']');
}

Request ParseRequest(const std::string& line) {
  Request r;
  try {
    json::Document doc = json::Document::Parse(line);
    const json::Value root = doc.root();
    if (!root.is_object()) throw std::runtime_error("request must be an object");
    r.a = std::string(root.Find("a").string_value());
    const json::Value b = root.Find("b");
    if (b.is_string()) {
      r.b = std::string(b.string_value());
      r.has_b = true;
    }
    int64_t ml = 0;
    if (root.Find("max_length").GetInt64(&ml) && ml > 0) r.options.max_length = static_cast<size_t>(ml);
    const std::string_view st = root.Find("strategy").string_value();
    if (st == "only_first") {
      r.options.truncation = TruncationStrategy::OnlyFirst;
    } else if (st == "only_second") {
      r.options.truncation = TruncationStrategy::OnlySecond;
    } else if (!st.empty() && st != "longest_first") {
      throw std::runtime_error("unknown strategy " + std::string(st));
    }
    const json::Value ast = root.Find("add_special_tokens");
    if (ast.is_bool()) r.options.add_special_tokens = ast.bool_value();
  } catch (const std::exception& e) {
    r.error = std::string("bad request: ") + e.what();
  }
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s TOKENIZER_JSON [--tokens] [--bench N] < requests.jsonl\n", argv[0]);
    return 2;
  }
  bool print_tokens = false;
  long bench = 0;
  long threads = 1;
  for (int i = 2; i < argc; ++i) {
    if (std::strcmp(argv[i], "--tokens") == 0) {
      print_tokens = true;
    } else if (std::strcmp(argv[i], "--bench") == 0 && i + 1 < argc) {
      bench = std::strtol(argv[++i], nullptr, 10);
    } else if (std::strcmp(argv[i], "--threads") == 0 && i + 1 < argc) {
      threads = std::max(1L, std::strtol(argv[++i], nullptr, 10));
    } else {
      std::fprintf(stderr, "unknown argument %s\n", argv[i]);
      return 2;
    }
  }
  std::unique_ptr<Tokenizer> tok;
  const auto t0 = std::chrono::steady_clock::now();
  try {
    tok = Tokenizer::FromFile(argv[1]);
  } catch (const TokenizerError& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
  const auto t1 = std::chrono::steady_clock::now();
  std::fprintf(stderr, "loaded %s in %.1f ms (vocab %zu)\n", argv[1],
               std::chrono::duration<double, std::milli>(t1 - t0).count(), tok->vocab_size());

  std::vector<Request> requests;
  std::string line;
  while (std::getline(std::cin, line)) {
    if (!line.empty()) requests.push_back(ParseRequest(line));
  }

  if (bench > 0) {
    // Reference results, single-threaded.
    std::vector<Encoding> reference(requests.size());
    std::vector<bool> failed(requests.size(), false);
    for (size_t k = 0; k < requests.size(); ++k) {
      const Request& r = requests[k];
      if (!r.error.empty()) continue;
      const std::string_view bv(r.b);
      try {
        tok->EncodeInto(r.a, r.has_b ? &bv : nullptr, r.options, &reference[k]);
      } catch (const TokenizerError&) {
        failed[k] = true;
      }
    }
    std::vector<size_t> tokens(threads, 0), differences(threads, 0);
    size_t bytes = 0;
    for (const Request& r : requests) bytes += r.a.size() + r.b.size();
    const auto b0 = std::chrono::steady_clock::now();
    std::vector<std::thread> pool;
    for (long t = 0; t < threads; ++t) {
      pool.emplace_back([&, t] {
        Encoding enc;
        for (long it = 0; it < bench; ++it) {
          for (size_t k = 0; k < requests.size(); ++k) {
            const Request& r = requests[k];
            if (!r.error.empty()) continue;
            const std::string_view bv(r.b);
            bool threw = false;
            try {
              tok->EncodeInto(r.a, r.has_b ? &bv : nullptr, r.options, &enc);
            } catch (const TokenizerError&) {
              threw = true;
            }
            if (threw != failed[k] || (!threw && (enc.ids != reference[k].ids || enc.type_ids != reference[k].type_ids))) {
              ++differences[t];
            }
            tokens[t] += enc.ids.size();
          }
        }
      });
    }
    for (auto& th : pool) th.join();
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - b0).count();
    size_t total_tokens = 0, total_diff = 0;
    for (long t = 0; t < threads; ++t) {
      total_tokens += tokens[t];
      total_diff += differences[t];
    }
    const double encodes = static_cast<double>(bench) * requests.size() * threads;
    std::fprintf(stderr, "bench: %ld thread(s), %.0f encodes in %.3f s = %.0f encodes/s, %.1f MB/s, %zu tokens, %zu differences\n",
                 threads, encodes, secs, encodes / secs, bytes * static_cast<double>(bench) * threads / secs / 1e6,
                 total_tokens, total_diff);
    return total_diff ? 1 : 0;
  }

  std::string out;
  for (const Request& r : requests) {
    out.clear();
    if (!r.error.empty()) {
      out.append("{\"error\":");
      AppendJsonString(&out, r.error);
      out.append("}\n");
    } else {
      try {
        const std::string_view bv(r.b);
        const Encoding enc = tok->Encode(r.a, r.has_b ? &bv : nullptr, r.options);
        out.push_back('{');
        AppendArray(&out, "ids", enc.ids);
        out.push_back(',');
        AppendArray(&out, "type_ids", enc.type_ids);
        out.push_back(',');
        AppendArray(&out, "attention_mask", enc.attention_mask);
        if (print_tokens) {
          out.append(",\"tokens\":[");
          for (size_t i = 0; i < enc.ids.size(); ++i) {
            if (i) out.push_back(',');
            AppendJsonString(&out, tok->id_to_token(enc.ids[i]));
          }
          out.push_back(']');
        }
        out.append("}\n");
      } catch (const TokenizerError& e) {
        out.append("{\"error\":");
        AppendJsonString(&out, e.what());
        out.append("}\n");
      }
    }
    std::fwrite(out.data(), 1, out.size(), stdout);
  }
  return 0;
}
