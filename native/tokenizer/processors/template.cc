// TemplateProcessing (HF processors/template.rs): templates such as
//   single "[CLS]:0 $A:0 [SEP]:0"   pair "[CLS]:0 $A:0 [SEP]:0 $B:1 [SEP]:1"
// with the special tokens' ids taken from the processor's own "special_tokens" map.
#include <map>
#include <string>
#include <vector>

#include "tokenizer/components.h"

namespace crossrank {
namespace tokenizer {
namespace {

struct Piece {
  bool is_sequence;
  bool is_b;                  // for sequences: $B
  int32_t type_id;
  std::vector<int32_t> ids;   // for special tokens
};

class TemplateProcessing : public PostProcessor {
 public:
  TemplateProcessing(std::vector<Piece> single, std::vector<Piece> pair)
      : single_(std::move(single)), pair_(std::move(pair)) {
    for (const auto& p : single_) added_single_ += p.is_sequence ? 0 : p.ids.size();
    for (const auto& p : pair_) added_pair_ += p.is_sequence ? 0 : p.ids.size();
  }

  size_t AddedTokens(bool is_pair) const override { return is_pair ? added_pair_ : added_single_; }

  void Process(const std::vector<int32_t>& a, const std::vector<int32_t>* b, bool add_special_tokens,
               Encoding* out) const override {
    const std::vector<Piece>& tpl = b ? pair_ : single_;
    for (const Piece& p : tpl) {
      if (p.is_sequence) {
        // A $B in the single template (HF loads such files) reads as an empty sequence.
        static const std::vector<int32_t> kEmpty;
        const std::vector<int32_t>& src = p.is_b ? (b ? *b : kEmpty) : a;
        out->ids.insert(out->ids.end(), src.begin(), src.end());
        out->type_ids.insert(out->type_ids.end(), src.size(), p.type_id);
      } else if (add_special_tokens) {
        out->ids.insert(out->ids.end(), p.ids.begin(), p.ids.end());
        out->type_ids.insert(out->type_ids.end(), p.ids.size(), p.type_id);
      }
    }
    out->attention_mask.assign(out->ids.size(), 1);
  }

 private:
  std::vector<Piece> single_, pair_;
  size_t added_single_ = 0, added_pair_ = 0;
};

int32_t ReadTypeId(const json::Value& obj, const BuildContext& ctx, const std::string& path) {
  const json::Value t = obj.Find("type_id");
  if (!t.exists() || t.is_null()) return 0;
  return ctx.ToId(t, path + ".type_id");
}

// One template: HF's serialized list of {"Sequence": {"id": "A", "type_id": 0}} and
// {"SpecialToken": {"id": "[CLS]", "type_id": 0}} pieces. (HF's string shorthand
// "[CLS]:0 $A:0" exists only in its Rust/Python API; tokenizer.json files never use it and HF
// refuses to load them, so we do too.)
std::vector<Piece> ParseTemplate(const json::Value& v, const std::map<std::string, std::vector<int32_t>, std::less<>>& specials,
                                 const BuildContext& ctx, const std::string& path, bool allow_b) {
  std::vector<Piece> pieces;
  auto add_special = [&](const std::string& name, int32_t type_id, const json::Value& at, const std::string& p) {
    auto it = specials.find(name);
    if (it == specials.end()) ctx.Fail(at, p, "missing SpecialToken \"" + name + "\" in post_processor.special_tokens");
    pieces.push_back(Piece{false, false, type_id, it->second});
  };
  auto add_sequence = [&](std::string_view id, int32_t type_id, const json::Value& at, const std::string& p) {
    (void)allow_b;
    bool is_b;
    if (id == "A") {
      is_b = false;
    } else if (id == "B") {
      is_b = true;
    } else {
      ctx.Fail(at, p, "unknown sequence id \"" + std::string(id) + "\" (expected A or B)");
    }
    pieces.push_back(Piece{true, is_b, type_id, {}});
  };

  if (!v.is_array()) ctx.Fail(v, path, "expected a template: an array of {\"Sequence\": ...} / {\"SpecialToken\": ...} pieces");
  for (size_t k = 0; k < v.size(); ++k) {
    const json::Value item = v[k];
    const std::string p = path + "[" + std::to_string(k) + "]";
  ctx.RequireObject(item, p);
    const json::Value seq = item.Find("Sequence");
    const json::Value special = item.Find("SpecialToken");
    if (seq.exists()) {
      ctx.RequireObject(seq, p + ".Sequence");
      add_sequence(ctx.RequireString(seq, "id", p + ".Sequence"), ReadTypeId(seq, ctx, p + ".Sequence"), seq,
                   p + ".Sequence");
    } else if (special.exists()) {
      ctx.RequireObject(special, p + ".SpecialToken");
      add_special(ctx.RequireString(special, "id", p + ".SpecialToken"),
                  ReadTypeId(special, ctx, p + ".SpecialToken"), special, p + ".SpecialToken");
    } else {
      ctx.Fail(item, p, "expected a {\"Sequence\": ...} or {\"SpecialToken\": ...} piece");
    }
  }
  return pieces;
}

}  // namespace

std::unique_ptr<PostProcessor> BuildTemplateProcessing(const json::Value& v, const BuildContext& ctx,
                                                       const std::string& path) {
  std::map<std::string, std::vector<int32_t>, std::less<>> specials;
  std::vector<std::pair<int32_t, std::string>> names;
  // Like HF, all three fields are required.
  const json::Value st = v.Find("special_tokens");
  if (!st.exists()) ctx.Fail(v, path, "missing required field \"special_tokens\"");
  ctx.RequireObject(st, path + ".special_tokens");
  for (size_t k = 0; k < st.size(); ++k) {
    const std::string name(st.key(k));
    const std::string p = path + ".special_tokens[\"" + name + "\"]";
    const json::Value tok = st.value(k);
    ctx.RequireObject(tok, p);
    const json::Value ids = tok.Find("ids");
    if (!ids.is_array()) ctx.Fail(ids.exists() ? ids : tok, p + ".ids", "expected an array of token ids");
    std::vector<int32_t> list;
    for (size_t i = 0; i < ids.size(); ++i) list.push_back(ctx.ToId(ids[i], p + ".ids[" + std::to_string(i) + "]"));
    // HF keys the map by the token's own "id" field.
    const std::string id = ctx.GetString(tok, "id", name, p);
    const json::Value tokens = tok.Find("tokens");
    for (size_t i = 0; i < list.size() && tokens.is_array() && i < tokens.size(); ++i) {
      if (tokens[i].is_string()) names.emplace_back(list[i], std::string(tokens[i].string_value()));
    }
    specials[id] = std::move(list);
  }
  const json::Value single = v.Find("single");
  const json::Value pair = v.Find("pair");
  if (!single.exists()) ctx.Fail(v, path, "missing required field \"single\"");
  if (!pair.exists()) ctx.Fail(v, path, "missing required field \"pair\"");
  std::vector<Piece> s = ParseTemplate(single, specials, ctx, path + ".single", false);
  std::vector<Piece> p = ParseTemplate(pair, specials, ctx, path + ".pair", true);
  auto out = std::make_unique<TemplateProcessing>(std::move(s), std::move(p));
  out->special_token_names = std::move(names);
  return out;
}

}  // namespace tokenizer
}  // namespace crossrank
