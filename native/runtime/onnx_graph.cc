#include "runtime/onnx_graph.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <optional>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace crossrank::runtime {
namespace {

// Field numbers from onnx.proto.
constexpr uint32_t kModelGraph = 7;
constexpr uint32_t kGraphNode = 1;
constexpr uint32_t kGraphInitializer = 5;
constexpr uint32_t kNodeInput = 1;
constexpr uint32_t kNodeOutput = 2;
constexpr uint32_t kNodeOpType = 4;
constexpr uint32_t kTensorDims = 1;
constexpr uint32_t kTensorName = 8;

enum Wire : uint32_t { kVarint = 0, kFixed64 = 1, kBytes = 2, kFixed32 = 5 };

bool ReadVarint(std::string_view data, size_t* pos, uint64_t* out) {
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

// One protobuf field: a varint value, or the bytes of a length-delimited field.
struct Field {
  uint32_t number = 0;
  uint32_t wire = 0;
  uint64_t value = 0;
  std::string_view bytes;
};

// Walks the fields of one message; stops (and reports failure) at the first malformed byte.
class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}

  bool Next(Field* field) {
    if (pos_ >= data_.size() || failed_) return false;
    uint64_t key;
    if (!Varint(&key)) return Fail();
    field->number = static_cast<uint32_t>(key >> 3);
    field->wire = static_cast<uint32_t>(key & 7);
    switch (field->wire) {
      case kVarint: return Varint(&field->value) || Fail();
      case kFixed64: return Skip(8);
      case kFixed32: return Skip(4);
      case kBytes: {
        uint64_t length;
        if (!Varint(&length) || length > data_.size() - pos_) return Fail();
        field->bytes = data_.substr(pos_, length);
        pos_ += length;
        return true;
      }
      default: return Fail();
    }
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

struct Node {
  std::string_view op_type;
  std::vector<std::string_view> inputs;
  std::vector<std::string_view> outputs;
};

// An initializer's first dimension, and its name through *name.
std::optional<int64_t> FirstDim(std::string_view tensor, std::string_view* name) {
  Reader reader(tensor);
  Field field;
  std::optional<int64_t> first;
  while (reader.Next(&field)) {
    if (field.number == kTensorName && field.wire == kBytes) *name = field.bytes;
    if (field.number != kTensorDims || first) continue;
    if (field.wire == kVarint) {
      first = static_cast<int64_t>(field.value);
    } else if (field.wire == kBytes) {  // a packed run of varints
      size_t pos = 0;
      uint64_t value;
      if (ReadVarint(field.bytes, &pos, &value)) first = static_cast<int64_t>(value);
    }
  }
  return reader.failed() ? std::nullopt : first;
}

int64_t ScanGraph(std::string_view graph) {
  std::vector<Node> nodes;
  std::unordered_map<std::string_view, int64_t> initializer_rows;
  Reader reader(graph);
  Field field;
  while (reader.Next(&field)) {
    if (field.wire != kBytes) continue;
    if (field.number == kGraphNode) {
      Node node;
      Reader node_reader(field.bytes);
      Field f;
      while (node_reader.Next(&f)) {
        if (f.wire != kBytes) continue;
        if (f.number == kNodeInput) node.inputs.push_back(f.bytes);
        if (f.number == kNodeOutput) node.outputs.push_back(f.bytes);
        if (f.number == kNodeOpType) node.op_type = f.bytes;
      }
      nodes.push_back(std::move(node));
    } else if (field.number == kGraphInitializer) {
      std::string_view name;
      if (auto rows = FirstDim(field.bytes, &name); rows && !name.empty()) initializer_rows[name] = *rows;
    }
  }
  if (reader.failed()) return 0;

  // Names that carry input_ids unchanged, and names that carry an initializer's rows unchanged; nodes
  // are topologically sorted, so one pass sees producers before consumers.
  auto passes_through = [](std::string_view op) { return op == "Cast" || op == "Identity" || op == "DequantizeLinear"; };
  std::unordered_set<std::string_view> ids{"input_ids"};
  std::unordered_map<std::string_view, int64_t> tables = initializer_rows;
  for (const Node& node : nodes) {
    if (passes_through(node.op_type) && !node.inputs.empty() && node.outputs.size() >= 1) {
      if (ids.count(node.inputs[0])) ids.insert(node.outputs[0]);
      if (auto it = tables.find(node.inputs[0]); it != tables.end()) tables[node.outputs[0]] = it->second;
      continue;
    }
    if (node.op_type == "Gather" && node.inputs.size() >= 2 && ids.count(node.inputs[1])) {
      if (auto it = tables.find(node.inputs[0]); it != tables.end() && it->second > 0) return it->second;
    }
  }
  return 0;
}

// A read-only mapping of a whole file, unmapped on destruction.
class MappedFile {
 public:
  explicit MappedFile(const std::string& path) {
    const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    struct stat st;
    if (fstat(fd, &st) == 0 && st.st_size > 0) {
      void* data = mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
      if (data != MAP_FAILED) {
        data_ = static_cast<const char*>(data);
        size_ = static_cast<size_t>(st.st_size);
      }
    }
    close(fd);
  }
  ~MappedFile() {
    if (data_) munmap(const_cast<char*>(data_), size_);
  }
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  std::string_view view() const { return data_ ? std::string_view(data_, size_) : std::string_view(); }

 private:
  const char* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace

int64_t WordEmbeddingRows(const std::string& model_path) {
  MappedFile file(model_path);
  Reader reader(file.view());
  Field field;
  while (reader.Next(&field)) {
    if (field.number == kModelGraph && field.wire == kBytes) return ScanGraph(field.bytes);
  }
  return 0;
}

}  // namespace crossrank::runtime
