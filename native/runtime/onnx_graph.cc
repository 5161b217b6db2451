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

#include "runtime/protobuf_wire.h"

namespace crossrank::runtime {
namespace {

using wire::Field;
using wire::kBytes;
using wire::kVarint;
using wire::ReadVarint;
using wire::Reader;

// Field numbers from onnx.proto.
constexpr uint32_t kModelGraph = 7;
constexpr uint32_t kGraphNode = 1;
constexpr uint32_t kGraphInitializer = 5;
constexpr uint32_t kNodeInput = 1;
constexpr uint32_t kNodeOutput = 2;
constexpr uint32_t kNodeOpType = 4;
constexpr uint32_t kTensorDims = 1;
constexpr uint32_t kTensorName = 8;

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

}  // namespace

wire::MappedFile::MappedFile(const std::string& path) {
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

wire::MappedFile::~MappedFile() {
  if (data_) munmap(const_cast<char*>(data_), size_);
}

int64_t WordEmbeddingRows(const std::string& model_path) {
  wire::MappedFile file(model_path);
  Reader reader(file.view());
  Field field;
  while (reader.Next(&field)) {
    if (field.number == kModelGraph && field.wire == kBytes) return ScanGraph(field.bytes);
  }
  return 0;
}

}  // namespace crossrank::runtime
