#include "tokenizer/json.h"

#include <charconv>
#include <cstring>
#include <limits>

#include "tokenizer/unicode/utf8.h"

namespace crossrank {
namespace tokenizer {
namespace json {

const char* TypeName(Type t) {
  switch (t) {
    case Type::kNull: return "null";
    case Type::kBool: return "a boolean";
    case Type::kNumber: return "a number";
    case Type::kString: return "a string";
    case Type::kArray: return "an array";
    case Type::kObject: return "an object";
  }
  return "?";
}

// ---- Parser ---------------------------------------------------------------------------------

class Parser {
 public:
  explicit Parser(Document* doc) : doc_(doc), s_(&doc->text_[0]), n_(doc->text_.size()) {}

  void Reserve(size_t n) { stack_.reserve(n); }

  void Run() {
    SkipWs();
    ParseValue(0);
    SkipWs();
    if (pos_ != n_) Fail("unexpected trailing characters after the JSON value");
    // The root is the only entry left on the stack.
    doc_->nodes_.push_back(stack_.back());
    doc_->root_ = static_cast<uint32_t>(doc_->nodes_.size() - 1);
  }

 private:
  using Node = Document::Node;
  static constexpr int kMaxDepth = 512;

  [[noreturn]] void Fail(const std::string& msg) { Fail(msg, pos_); }
  [[noreturn]] void Fail(const std::string& msg, size_t at) {
    size_t line = 1, col = 1;
    for (size_t i = 0; i < at && i < n_; ++i) {
      if (s_[i] == '\n') {
        ++line;
        col = 1;
      } else if ((static_cast<unsigned char>(s_[i]) & 0xC0) != 0x80) {
        ++col;
      }
    }
    throw ParseError(msg + " at line " + std::to_string(line) + ", column " + std::to_string(col) +
                         " (byte offset " + std::to_string(at) + ")",
                     at);
  }

  void SkipWs() {
    while (pos_ < n_) {
      const char c = s_[pos_];
      if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
        ++pos_;
      } else {
        break;
      }
    }
  }

  void Push(Type t, uint32_t a, uint32_t b, size_t offset) {
    stack_.push_back(Node{t, a, b, static_cast<uint32_t>(offset)});
  }

  bool Match(const char* lit, size_t len) {
    if (n_ - pos_ >= len && std::memcmp(s_ + pos_, lit, len) == 0) {
      pos_ += len;
      return true;
    }
    return false;
  }

  void ParseValue(int depth) {
    if (pos_ >= n_) Fail("unexpected end of input, expected a value");
    const size_t start = pos_;
    switch (s_[pos_]) {
      case '{':
        ParseObject(depth + 1);
        return;
      case '[':
        ParseArray(depth + 1);
        return;
      case '"': {
        uint32_t off, len;
        ParseString(&off, &len);
        Push(Type::kString, off, len, start);
        return;
      }
      case 't':
        if (Match("true", 4)) return Push(Type::kBool, 1, 0, start);
        break;
      case 'f':
        if (Match("false", 5)) return Push(Type::kBool, 0, 0, start);
        break;
      case 'n':
        if (Match("null", 4)) return Push(Type::kNull, 0, 0, start);
        break;
      default:
        if (s_[pos_] == '-' || (s_[pos_] >= '0' && s_[pos_] <= '9')) {
          ParseNumber();
          return;
        }
        break;
    }
    Fail(std::string("unexpected character '") + Printable(s_[pos_]) + "', expected a value");
  }

  static std::string Printable(char c) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7F) return std::string(1, c);
    static const char* hex = "0123456789ABCDEF";
    return std::string("\\x") + hex[u >> 4] + hex[u & 15];
  }

  void ParseNumber() {
    const size_t start = pos_;
    if (s_[pos_] == '-') ++pos_;
    if (pos_ >= n_) Fail("unexpected end of input in a number");
    if (s_[pos_] == '0') {
      ++pos_;
    } else if (s_[pos_] >= '1' && s_[pos_] <= '9') {
      while (pos_ < n_ && s_[pos_] >= '0' && s_[pos_] <= '9') ++pos_;
    } else {
      Fail("invalid number");
    }
    if (pos_ < n_ && s_[pos_] == '.') {
      ++pos_;
      if (pos_ >= n_ || s_[pos_] < '0' || s_[pos_] > '9') Fail("invalid number: expected a digit after '.'");
      while (pos_ < n_ && s_[pos_] >= '0' && s_[pos_] <= '9') ++pos_;
    }
    if (pos_ < n_ && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
      ++pos_;
      if (pos_ < n_ && (s_[pos_] == '+' || s_[pos_] == '-')) ++pos_;
      if (pos_ >= n_ || s_[pos_] < '0' || s_[pos_] > '9') Fail("invalid number: expected a digit in the exponent");
      while (pos_ < n_ && s_[pos_] >= '0' && s_[pos_] <= '9') ++pos_;
    }
    Push(Type::kNumber, static_cast<uint32_t>(start), static_cast<uint32_t>(pos_ - start), start);
  }

  static int HexVal(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  uint32_t ParseHex4() {
    if (n_ - pos_ < 4) Fail("unexpected end of input in a \\u escape");
    uint32_t v = 0;
    for (int k = 0; k < 4; ++k) {
      const int h = HexVal(s_[pos_ + k]);
      if (h < 0) Fail("invalid hex digit in a \\u escape", pos_ + k);
      v = (v << 4) | static_cast<uint32_t>(h);
    }
    pos_ += 4;
    return v;
  }

  // Parses a string starting at the opening quote; decodes escapes in place.
  void ParseString(uint32_t* out_off, uint32_t* out_len) {
    const size_t open = pos_;
    ++pos_;  // opening quote
    const size_t begin = pos_;
    // Fast scan: no escapes.
    while (pos_ < n_) {
      const unsigned char c = static_cast<unsigned char>(s_[pos_]);
      if (c == '"' || c == '\\' || c < 0x20) break;
      ++pos_;
    }
    size_t w = pos_;  // write cursor (in-place decoding)
    for (;;) {
      if (pos_ >= n_) Fail("unterminated string", open);
      const unsigned char c = static_cast<unsigned char>(s_[pos_]);
      if (c == '"') {
        ++pos_;
        break;
      }
      if (c < 0x20) Fail("unescaped control character in a string");
      if (c != '\\') {
        s_[w++] = s_[pos_++];
        continue;
      }
      ++pos_;
      if (pos_ >= n_) Fail("unterminated string", open);
      const char e = s_[pos_++];
      switch (e) {
        case '"': s_[w++] = '"'; break;
        case '\\': s_[w++] = '\\'; break;
        case '/': s_[w++] = '/'; break;
        case 'b': s_[w++] = '\b'; break;
        case 'f': s_[w++] = '\f'; break;
        case 'n': s_[w++] = '\n'; break;
        case 'r': s_[w++] = '\r'; break;
        case 't': s_[w++] = '\t'; break;
        case 'u': {
          const size_t esc_at = pos_ - 2;
          uint32_t cp = ParseHex4();
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (n_ - pos_ >= 6 && s_[pos_] == '\\' && s_[pos_ + 1] == 'u') {
              pos_ += 2;
              const uint32_t lo = ParseHex4();
              if (lo < 0xDC00 || lo > 0xDFFF) Fail("invalid low surrogate in a \\u escape pair", esc_at);
              cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            } else {
              Fail("lone leading surrogate in a \\u escape", esc_at);
            }
          } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            Fail("lone trailing surrogate in a \\u escape", esc_at);
          }
          // Encoded length <= escape length, so writing in place never overtakes the reader.
          char buf[4];
          size_t len;
          if (cp < 0x80) {
            buf[0] = static_cast<char>(cp);
            len = 1;
          } else if (cp < 0x800) {
            buf[0] = static_cast<char>(0xC0 | (cp >> 6));
            buf[1] = static_cast<char>(0x80 | (cp & 0x3F));
            len = 2;
          } else if (cp < 0x10000) {
            buf[0] = static_cast<char>(0xE0 | (cp >> 12));
            buf[1] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            buf[2] = static_cast<char>(0x80 | (cp & 0x3F));
            len = 3;
          } else {
            buf[0] = static_cast<char>(0xF0 | (cp >> 18));
            buf[1] = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
            buf[2] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            buf[3] = static_cast<char>(0x80 | (cp & 0x3F));
            len = 4;
          }
          std::memcpy(s_ + w, buf, len);
          w += len;
          break;
        }
        default:
          Fail(std::string("invalid escape '\\") + Printable(e) + "' in a string", pos_ - 2);
      }
    }
    *out_off = static_cast<uint32_t>(begin);
    *out_len = static_cast<uint32_t>(w - begin);
  }

  // Moves the children pushed since `mark` to their final contiguous place.
  uint32_t CommitChildren(size_t mark) {
    const uint32_t first = static_cast<uint32_t>(doc_->nodes_.size());
    doc_->nodes_.insert(doc_->nodes_.end(), stack_.begin() + static_cast<std::ptrdiff_t>(mark), stack_.end());
    stack_.resize(mark);
    return first;
  }

  void ParseArray(int depth) {
    if (depth > kMaxDepth) Fail("nesting too deep");
    const size_t start = pos_;
    ++pos_;  // [
    const size_t mark = stack_.size();
    uint32_t count = 0;
    SkipWs();
    if (pos_ < n_ && s_[pos_] == ']') {
      ++pos_;
    } else {
      for (;;) {
        SkipWs();
        ParseValue(depth);
        ++count;
        SkipWs();
        if (pos_ >= n_) Fail("unexpected end of input in an array", start);
        if (s_[pos_] == ',') {
          ++pos_;
          continue;
        }
        if (s_[pos_] == ']') {
          ++pos_;
          break;
        }
        Fail("expected ',' or ']' in an array");
      }
    }
    const uint32_t first = CommitChildren(mark);
    Push(Type::kArray, first, count, start);
  }

  void ParseObject(int depth) {
    if (depth > kMaxDepth) Fail("nesting too deep");
    const size_t start = pos_;
    ++pos_;  // {
    const size_t mark = stack_.size();
    uint32_t count = 0;
    SkipWs();
    if (pos_ < n_ && s_[pos_] == '}') {
      ++pos_;
    } else {
      for (;;) {
        SkipWs();
        if (pos_ >= n_ || s_[pos_] != '"') Fail("expected a string key in an object");
        const size_t key_at = pos_;
        uint32_t off, len;
        ParseString(&off, &len);
        Push(Type::kString, off, len, key_at);
        SkipWs();
        if (pos_ >= n_ || s_[pos_] != ':') Fail("expected ':' after an object key");
        ++pos_;
        SkipWs();
        ParseValue(depth);
        ++count;
        SkipWs();
        if (pos_ >= n_) Fail("unexpected end of input in an object", start);
        if (s_[pos_] == ',') {
          ++pos_;
          continue;
        }
        if (s_[pos_] == '}') {
          ++pos_;
          break;
        }
        Fail("expected ',' or '}' in an object");
      }
    }
    const uint32_t first = CommitChildren(mark);
    Push(Type::kObject, first, count, start);
  }

  Document* doc_;
  char* s_;
  size_t n_;
  size_t pos_ = 0;
  std::vector<Node> stack_;
};

Document Document::Parse(std::string text) {
  if (text.size() >= std::numeric_limits<uint32_t>::max()) {
    throw ParseError("JSON text too large (4 GiB or more)", 0);
  }
  if (!utf8::IsValid(text)) {
    const size_t at = utf8::FirstInvalid(text);
    throw ParseError("JSON text is not valid UTF-8 (near byte offset " + std::to_string(at) + ")", at);
  }
  Document doc;
  doc.text_ = std::move(text);
  doc.nodes_.reserve(doc.text_.size() / 12 + 16);
  Parser parser(&doc);
  parser.Reserve(doc.text_.size() / 64 + 16);
  parser.Run();
  return doc;
}

std::string Document::Location(size_t offset) const {
  size_t line = 1, col = 1;
  for (size_t i = 0; i < offset && i < text_.size(); ++i) {
    if (text_[i] == '\n') {
      ++line;
      col = 1;
    } else if ((static_cast<unsigned char>(text_[i]) & 0xC0) != 0x80) {
      ++col;
    }
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(col);
}

// ---- Value ----------------------------------------------------------------------------------

Type Value::type() const { return doc_ ? doc_->nodes_[index_].type : Type::kNull; }

bool Value::bool_value() const { return type() == Type::kBool && doc_->nodes_[index_].a != 0; }

std::string_view Value::string_value() const {
  if (type() != Type::kString) return std::string_view();
  const auto& n = doc_->nodes_[index_];
  return std::string_view(doc_->text_.data() + n.a, n.b);
}

std::string_view Value::number_text() const {
  if (type() != Type::kNumber) return std::string_view();
  const auto& n = doc_->nodes_[index_];
  return std::string_view(doc_->text_.data() + n.a, n.b);
}

bool Value::GetDouble(double* out) const {
  const std::string_view t = number_text();
  if (t.empty()) return false;
  const auto r = std::from_chars(t.data(), t.data() + t.size(), *out);
  if (r.ec == std::errc::result_out_of_range) {
    // Like strtod: overflow gives +-inf, underflow (negative exponent) gives +-0.
    const bool neg = t[0] == '-';
    const size_t e = t.find_first_of("eE");
    const bool underflow = e != std::string_view::npos && e + 1 < t.size() && t[e + 1] == '-';
    if (underflow) {
      *out = neg ? -0.0 : 0.0;
    } else {
      *out = neg ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
    }
    return true;
  }
  return r.ec == std::errc() && r.ptr == t.data() + t.size();
}

bool Value::GetInt64(int64_t* out) const {
  const std::string_view t = number_text();
  if (t.empty()) return false;
  const auto r = std::from_chars(t.data(), t.data() + t.size(), *out);
  return r.ec == std::errc() && r.ptr == t.data() + t.size();
}

size_t Value::size() const {
  const Type t = type();
  if (t != Type::kArray && t != Type::kObject) return 0;
  return doc_->nodes_[index_].b;
}

Value Value::operator[](size_t i) const {
  if (type() != Type::kArray || i >= doc_->nodes_[index_].b) return Value();
  return Value(doc_, doc_->nodes_[index_].a + static_cast<uint32_t>(i));
}

std::string_view Value::key(size_t i) const {
  if (type() != Type::kObject || i >= doc_->nodes_[index_].b) return std::string_view();
  return Value(doc_, doc_->nodes_[index_].a + static_cast<uint32_t>(2 * i)).string_value();
}

Value Value::value(size_t i) const {
  if (type() != Type::kObject || i >= doc_->nodes_[index_].b) return Value();
  return Value(doc_, doc_->nodes_[index_].a + static_cast<uint32_t>(2 * i + 1));
}

Value Value::Find(std::string_view k) const {
  if (type() != Type::kObject) return Value();
  const auto& n = doc_->nodes_[index_];
  for (uint32_t i = 0; i < n.b; ++i) {
    const auto& kn = doc_->nodes_[n.a + 2 * i];
    if (kn.b == k.size() && std::memcmp(doc_->text_.data() + kn.a, k.data(), k.size()) == 0) {
      return Value(doc_, n.a + 2 * i + 1);
    }
  }
  return Value();
}

size_t Value::offset() const { return doc_ ? doc_->nodes_[index_].offset : 0; }

}  // namespace json
}  // namespace tokenizer
}  // namespace crossrank
