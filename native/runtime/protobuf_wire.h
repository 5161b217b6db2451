// The protobuf wire format, as much of it as reading and rewriting ONNX files needs: a field reader
// over a byte view (no copies; weights are never parsed), a writer of the few field kinds ONNX
// messages use, and a read-only file mapping. Nothing here knows onnx.proto's field numbers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace crossrank::runtime::wire {

enum Wire : uint32_t { kVarint = 0, kFixed64 = 1, kBytes = 2, kFixed32 = 5 };

inline bool ReadVarint(std::string_view data, size_t* pos, uint64_t* out) {
  uint64_t result = 0;
  for (int shift = 0; shift < 64 && *pos < data.size(); shift += 7) {
    const uint8_t byte = static_cast<uint8_t>(data[(*pos)++]);
    result |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if (!(byte & 0x80)) {
      *out = result;
      return true;
    }
  }
  return false;
}

// One protobuf field: a varint value, a fixed32's bits, or the bytes of a length-delimited field.
// `raw` spans the whole field, key included, so that a rewriter can copy it unchanged.
struct Field {
  uint32_t number = 0;
  uint32_t wire = 0;
  uint64_t value = 0;
  std::string_view bytes;
  std::string_view raw;
};

// Walks the fields of one message; stops (and reports failure) at the first malformed byte.
class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}

  bool Next(Field* field) {
    if (pos_ >= data_.size() || failed_) return false;
    const size_t start = pos_;
    uint64_t key;
    if (!Varint(&key)) return Fail();
    field->number = static_cast<uint32_t>(key >> 3);
    field->wire = static_cast<uint32_t>(key & 7);
    field->value = 0;
    field->bytes = {};
    bool ok = false;
    switch (field->wire) {
      case kVarint: ok = Varint(&field->value); break;
      case kFixed64: ok = Skip(8); break;
      case kFixed32: {
        uint32_t bits = 0;
        if (data_.size() - pos_ >= 4) std::memcpy(&bits, data_.data() + pos_, 4);
        field->value = bits;
        ok = Skip(4);
        break;
      }
      case kBytes: {
        uint64_t length;
        if (!Varint(&length) || length > data_.size() - pos_) return Fail();
        field->bytes = data_.substr(pos_, length);
        pos_ += length;
        ok = true;
        break;
      }
      default: break;
    }
    if (!ok) return Fail();
    field->raw = data_.substr(start, pos_ - start);
    return true;
  }
  bool failed() const { return failed_; }

 private:
  bool Varint(uint64_t* out) { return ReadVarint(data_, &pos_, out); }
  bool Skip(size_t n) {
    if (n > data_.size() - pos_) return Fail();
    pos_ += n;
    return true;
  }
  bool Fail() {
    failed_ = true;
    return false;
  }

  std::string_view data_;
  size_t pos_ = 0;
  bool failed_ = false;
};

// Appends fields to a message under construction.
class Writer {
 public:
  void Varint(uint32_t number, uint64_t value) {
    Key(number, kVarint);
    PutVarint(value);
  }
  void Float(uint32_t number, float value) {
    Key(number, kFixed32);
    char bits[4];
    std::memcpy(bits, &value, 4);
    out_.append(bits, 4);
  }
  void Bytes(uint32_t number, std::string_view bytes) {
    Key(number, kBytes);
    PutVarint(bytes.size());
    out_.append(bytes.data(), bytes.size());
  }
  // A length-delimited field whose bytes are the concatenation of `pieces` (no intermediate copy).
  template <typename Pieces>
  void BytesOf(uint32_t number, const Pieces& pieces) {
    size_t length = 0;
    for (std::string_view piece : pieces) length += piece.size();
    Key(number, kBytes);
    PutVarint(length);
    out_.reserve(out_.size() + length);
    for (std::string_view piece : pieces) out_.append(piece.data(), piece.size());
  }
  void Raw(std::string_view field) { out_.append(field.data(), field.size()); }
  void Reserve(size_t bytes) { out_.reserve(bytes); }
  std::string& str() { return out_; }

 private:
  void Key(uint32_t number, uint32_t wire) { PutVarint((static_cast<uint64_t>(number) << 3) | wire); }
  void PutVarint(uint64_t value) {
    while (value >= 0x80) {
      out_.push_back(static_cast<char>((value & 0x7f) | 0x80));
      value >>= 7;
    }
    out_.push_back(static_cast<char>(value));
  }
  std::string out_;
};

// A read-only mapping of a whole file, unmapped on destruction; empty when the file cannot be read.
class MappedFile {
 public:
  explicit MappedFile(const std::string& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  std::string_view view() const { return data_ ? std::string_view(data_, size_) : std::string_view(); }

 private:
  const char* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace crossrank::runtime::wire
