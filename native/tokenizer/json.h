// A small, fast JSON reader for tokenizer.json files: one pass, in-situ string unescaping,
// a flat node array (no per-value heap allocation), string_view access to keys and strings.
#ifndef CROSSRANK_TOKENIZER_JSON_H_
#define CROSSRANK_TOKENIZER_JSON_H_

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace crossrank {
namespace tokenizer {
namespace json {

enum class Type : uint8_t { kNull, kBool, kNumber, kString, kArray, kObject };

const char* TypeName(Type t);

// Syntax error; what() reads "<message> at line L, column C (byte offset N)".
class ParseError : public std::runtime_error {
 public:
  ParseError(const std::string& what, size_t offset) : std::runtime_error(what), offset_(offset) {}
  size_t offset() const { return offset_; }

 private:
  size_t offset_;
};

class Document;

// A cheap handle to a node of a Document. A default/missing Value has exists() == false and
// behaves as null. The Document must outlive its Values.
class Value {
 public:
  Value() = default;

  bool exists() const { return doc_ != nullptr; }
  Type type() const;
  bool is_null() const { return type() == Type::kNull; }
  bool is_bool() const { return type() == Type::kBool; }
  bool is_number() const { return type() == Type::kNumber; }
  bool is_string() const { return type() == Type::kString; }
  bool is_array() const { return type() == Type::kArray; }
  bool is_object() const { return type() == Type::kObject; }

  // Accessors; calling one on the wrong type is a logic error (checked: returns a zero value).
  bool bool_value() const;
  std::string_view string_value() const;
  std::string_view number_text() const;  // the raw number literal
  // Correctly rounded (std::from_chars). Returns false if not a number.
  bool GetDouble(double* out) const;
  // Exact integer (no fraction/exponent) that fits int64. Returns false otherwise.
  bool GetInt64(int64_t* out) const;

  // Arrays: element count and elements. Objects: member count, keys and values.
  size_t size() const;
  Value operator[](size_t i) const;   // array element i (missing if out of range)
  std::string_view key(size_t i) const;  // object member i's key
  Value value(size_t i) const;           // object member i's value
  // Object member by key (first match; linear scan), or a missing Value.
  Value Find(std::string_view key) const;

  // Byte offset of this value in the source text (for error messages).
  size_t offset() const;

 private:
  friend class Document;
  Value(const Document* doc, uint32_t index) : doc_(doc), index_(index) {}
  const Document* doc_ = nullptr;
  uint32_t index_ = 0;
};

class Document {
 public:
  // Parses `text` (must be valid UTF-8). Throws ParseError.
  static Document Parse(std::string text);

  Value root() const { return Value(this, root_); }
  const std::string& text() const { return text_; }
  // "line L, column C" for a byte offset of the source.
  std::string Location(size_t offset) const;

  Document(Document&&) = default;
  Document& operator=(Document&&) = default;
  Document(const Document&) = delete;
  Document& operator=(const Document&) = delete;

 private:
  friend class Value;
  friend class Parser;
  Document() = default;

  struct Node {
    Type type;
    uint32_t a;       // string/number: start in text_; bool: value; array/object: first child node
    uint32_t b;       // string/number: byte length; array: element count; object: member count
    uint32_t offset;  // source offset of the value
  };
  std::string text_;  // source; escaped strings are decoded in place
  std::vector<Node> nodes_;
  uint32_t root_ = 0;
};

}  // namespace json
}  // namespace tokenizer
}  // namespace crossrank

#endif  // CROSSRANK_TOKENIZER_JSON_H_
