// Dev tool: runs one normalizer (given as JSON, e.g. '{"type":"BertNormalizer"}') over each
// stdin line (a JSON string) and prints the result as a JSON string, for oracle comparisons.
//   normalize_cli '{"type":"BertNormalizer","lowercase":true}' < strings.jsonl
#include <cstdio>
#include <iostream>
#include <string>

#include "tokenizer/components.h"
#include "tokenizer/json.h"

namespace tk = crossrank::tokenizer;

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s NORMALIZER_JSON < strings.jsonl\n", argv[0]);
    return 2;
  }
  try {
    const std::string source = "argv[1]";
    tk::json::Document doc = tk::json::Document::Parse(argv[1]);
    const tk::BuildContext ctx(source, doc);
    auto normalizer = tk::BuildNormalizer(doc.root(), ctx, "normalizer");
    std::string line, out;
    while (std::getline(std::cin, line)) {
      tk::json::Document in = tk::json::Document::Parse(line);
      out.clear();
      if (normalizer) normalizer->Normalize(in.root().string_value(), &out);
      std::string esc = "\"";
      for (unsigned char c : out) {
        if (c == '"' || c == '\\') {
          esc.push_back('\\');
          esc.push_back(static_cast<char>(c));
        } else if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          esc += buf;
        } else {
          esc.push_back(static_cast<char>(c));
        }
      }
      esc += "\"\n";
      std::fwrite(esc.data(), 1, esc.size(), stdout);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
  return 0;
}
