#include <limits>

#include "tokenizer/components.h"

namespace crossrank {
namespace tokenizer {

void BuildContext::Fail(const json::Value& at, const std::string& path, const std::string& message) const {
  std::string msg = source_ + ": " + (path.empty() ? std::string("(root)") : path) + ": " + message;
  if (at.exists()) msg += " (" + doc_.Location(at.offset()) + ")";
  throw TokenizerError(msg);
}

static std::string Join(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

bool BuildContext::GetBool(const json::Value& obj, std::string_view key, bool def, const std::string& path) const {
  const json::Value v = obj.Find(key);
  if (!v.exists() || v.is_null()) return def;
  if (!v.is_bool()) Fail(v, Join(path, key), std::string("expected a boolean, got ") + json::TypeName(v.type()));
  return v.bool_value();
}

bool BuildContext::GetOptionalBool(const json::Value& obj, std::string_view key, bool* present,
                                   const std::string& path) const {
  const json::Value v = obj.Find(key);
  *present = false;
  if (!v.exists() || v.is_null()) return false;
  if (!v.is_bool()) Fail(v, Join(path, key), std::string("expected a boolean or null, got ") + json::TypeName(v.type()));
  *present = true;
  return v.bool_value();
}

std::string BuildContext::GetString(const json::Value& obj, std::string_view key, const std::string& def,
                                    const std::string& path) const {
  const json::Value v = obj.Find(key);
  if (!v.exists() || v.is_null()) return def;
  if (!v.is_string()) Fail(v, Join(path, key), std::string("expected a string, got ") + json::TypeName(v.type()));
  return std::string(v.string_value());
}

std::string BuildContext::RequireString(const json::Value& obj, std::string_view key, const std::string& path) const {
  const json::Value v = obj.Find(key);
  if (!v.exists()) Fail(obj, path, "missing required field \"" + std::string(key) + "\"");
  if (!v.is_string()) Fail(v, Join(path, key), std::string("expected a string, got ") + json::TypeName(v.type()));
  return std::string(v.string_value());
}

uint64_t BuildContext::GetUint(const json::Value& obj, std::string_view key, uint64_t def,
                               const std::string& path) const {
  const json::Value v = obj.Find(key);
  if (!v.exists() || v.is_null()) return def;
  int64_t x = 0;
  if (!v.is_number() || !v.GetInt64(&x) || x < 0) {
    Fail(v, Join(path, key), "expected a non-negative integer, got " +
                                 (v.is_number() ? std::string(v.number_text()) : std::string(json::TypeName(v.type()))));
  }
  return static_cast<uint64_t>(x);
}

int32_t BuildContext::ToId(const json::Value& v, const std::string& path) const {
  int64_t x = 0;
  if (!v.is_number() || !v.GetInt64(&x) || x < 0 || x > std::numeric_limits<int32_t>::max()) {
    Fail(v, path, "expected a token id (an integer from 0 to 2147483647), got " +
                      (v.is_number() ? std::string(v.number_text()) : std::string(json::TypeName(v.type()))));
  }
  return static_cast<int32_t>(x);
}

BuildContext::VocabArena BuildContext::ReadVocabObject(const json::Value& vocab, const std::string& path) const {
  VocabArena out;
  const size_t count = vocab.size();
  size_t bytes = 0;
  for (size_t k = 0; k < count; ++k) bytes += vocab.key(k).size();
  out.arena.reserve(bytes);
  out.spans.resize(count);
  out.ids.resize(count);
  for (size_t k = 0; k < count; ++k) {
    const std::string_view key = vocab.key(k);
    out.spans[k] = {static_cast<uint32_t>(out.arena.size()), static_cast<uint32_t>(key.size())};
    out.arena.append(key.data(), key.size());
    int64_t id = -1;
    const json::Value value = vocab.value(k);
    // The fast path first: building the error path string for every entry would dominate loading.
    if (value.GetInt64(&id) && id >= 0 && id <= std::numeric_limits<int32_t>::max()) {
      out.ids[k] = static_cast<int32_t>(id);
    } else {
      out.ids[k] = ToId(value, path + ".vocab[\"" + std::string(key) + "\"]");  // throws
    }
  }
  return out;
}

std::pair<std::string, int32_t> BuildContext::RequireTokenIdPair(const json::Value& obj, const char* key,
                                                                 const std::string& path) const {
  const json::Value pair = obj.Find(key);
  const std::string at = path + "." + key;
  if (!pair.is_array() || pair.size() != 2 || !pair[0].is_string()) {
    Fail(pair.exists() ? pair : obj, at, "expected a [token, id] pair");
  }
  return {std::string(pair[0].string_value()), ToId(pair[1], at + "[1]")};
}

void BuildContext::RequireObject(const json::Value& v, const std::string& path) const {
  if (!v.is_object()) Fail(v, path, std::string("expected an object, got ") + json::TypeName(v.type()));
}

std::string_view BuildContext::TypeOf(const json::Value& obj, const std::string& path) const {
  RequireObject(obj, path);
  const json::Value t = obj.Find("type");
  if (!t.exists()) Fail(obj, path, "missing the \"type\" field that names the component");
  if (!t.is_string()) Fail(t, path + ".type", std::string("expected a string, got ") + json::TypeName(t.type()));
  return t.string_value();
}

}  // namespace tokenizer
}  // namespace crossrank
