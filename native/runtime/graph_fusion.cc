#include "runtime/graph_fusion.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <optional>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "runtime/protobuf_wire.h"

namespace crossrank::runtime {
namespace {

using wire::Field;
using wire::Reader;
using wire::Writer;
using sv = std::string_view;

// Field numbers from onnx.proto.
namespace model_field {
constexpr uint32_t kGraph = 7, kOpsetImport = 8;
}
namespace opset_field {
constexpr uint32_t kDomain = 1, kVersion = 2;
}
namespace graph_field {
constexpr uint32_t kNode = 1, kInitializer = 5, kInput = 11, kOutput = 12, kValueInfo = 13;
}
namespace node_field {
constexpr uint32_t kInput = 1, kOutput = 2, kName = 3, kOpType = 4, kAttribute = 5, kDomain = 7;
}
namespace attr_field {
constexpr uint32_t kName = 1, kF = 2, kI = 3, kT = 5, kInts = 8, kType = 20;
}
namespace tensor_field {
constexpr uint32_t kDims = 1, kDataType = 2, kFloatData = 4, kInt32Data = 5, kInt64Data = 7, kName = 8, kRawData = 9,
                   kDataLocation = 14;
}
namespace value_info_field {
constexpr uint32_t kName = 1, kType = 2;
}
constexpr uint32_t kTypeTensor = 1, kTensorTypeShape = 2, kShapeDim = 1;
constexpr int64_t kAttrFloat = 1, kAttrInt = 2;
constexpr int32_t kFloat = 1, kInt32 = 6, kInt64 = 7;
constexpr int64_t kDataLocationExternal = 1;
constexpr const char* kMsDomain = "com.microsoft";

// Packed repeated varints (or a single unpacked one) appended to `out`.
bool AppendVarints(const Field& field, std::vector<int64_t>* out) {
  if (field.wire == wire::kVarint) {
    out->push_back(static_cast<int64_t>(field.value));
    return true;
  }
  if (field.wire != wire::kBytes) return false;
  size_t pos = 0;
  uint64_t value;
  while (pos < field.bytes.size()) {
    if (!wire::ReadVarint(field.bytes, &pos, &value)) return false;
    out->push_back(static_cast<int64_t>(value));
  }
  return true;
}

float FloatBits(uint64_t fixed32) {
  const uint32_t bits = static_cast<uint32_t>(fixed32);
  float value;
  std::memcpy(&value, &bits, 4);
  return value;
}

struct Tensor {
  int32_t data_type = 0;
  std::vector<int64_t> dims;
  sv raw_data;
  bool has_raw = false;
  std::vector<float> float_data;
  std::vector<int64_t> int_data;  // int32_data or int64_data
  bool external = false;
  sv name;

  int64_t elements() const {
    int64_t n = 1;
    for (int64_t d : dims) n *= d;
    return n;
  }
};

std::optional<Tensor> ParseTensor(sv bytes) {
  Tensor t;
  Reader reader(bytes);
  Field f;
  while (reader.Next(&f)) {
    switch (f.number) {
      case tensor_field::kDims:
        if (!AppendVarints(f, &t.dims)) return std::nullopt;
        break;
      case tensor_field::kDataType: t.data_type = static_cast<int32_t>(f.value); break;
      case tensor_field::kFloatData:
        if (f.wire == wire::kFixed32) {
          t.float_data.push_back(FloatBits(f.value));
        } else if (f.wire == wire::kBytes && f.bytes.size() % 4 == 0) {
          const size_t n = f.bytes.size() / 4;
          const size_t at = t.float_data.size();
          t.float_data.resize(at + n);
          std::memcpy(t.float_data.data() + at, f.bytes.data(), f.bytes.size());
        }
        break;
      case tensor_field::kInt32Data:
      case tensor_field::kInt64Data:
        if (!AppendVarints(f, &t.int_data)) return std::nullopt;
        break;
      case tensor_field::kName: t.name = f.bytes; break;
      case tensor_field::kRawData:
        t.raw_data = f.bytes;
        t.has_raw = true;
        break;
      case tensor_field::kDataLocation: t.external = f.value == kDataLocationExternal; break;
      default: break;
    }
  }
  if (reader.failed()) return std::nullopt;
  return t;
}

// The tensor's values as floats (FLOAT tensors only), or nothing.
std::optional<std::vector<float>> Floats(const Tensor& t) {
  if (t.data_type != kFloat || t.external) return std::nullopt;
  const int64_t n = t.elements();
  std::vector<float> out;
  if (t.has_raw) {
    if (t.raw_data.size() != static_cast<size_t>(n) * 4) return std::nullopt;
    out.resize(static_cast<size_t>(n));
    std::memcpy(out.data(), t.raw_data.data(), t.raw_data.size());
  } else {
    if (t.float_data.size() != static_cast<size_t>(n)) return std::nullopt;
    out = t.float_data;
  }
  return out;
}

// The tensor's values as integers (INT64/INT32 tensors only), or nothing.
std::optional<std::vector<int64_t>> Ints(const Tensor& t) {
  if ((t.data_type != kInt64 && t.data_type != kInt32) || t.external) return std::nullopt;
  const int64_t n = t.elements();
  if (!t.has_raw) {
    if (t.int_data.size() != static_cast<size_t>(n)) return std::nullopt;
    return t.int_data;
  }
  const size_t width = t.data_type == kInt64 ? 8 : 4;
  if (t.raw_data.size() != static_cast<size_t>(n) * width) return std::nullopt;
  std::vector<int64_t> out(static_cast<size_t>(n));
  for (size_t i = 0; i < out.size(); ++i) {
    if (width == 8) {
      std::memcpy(&out[i], t.raw_data.data() + 8 * i, 8);
    } else {
      int32_t v;
      std::memcpy(&v, t.raw_data.data() + 4 * i, 4);
      out[i] = v;
    }
  }
  return out;
}

struct Attribute {
  sv name;
  int64_t type = 0;
  float f = 0;
  int64_t i = 0;
  std::vector<int64_t> ints;
  sv tensor;
};

struct Node {
  sv raw;  // the NodeProto bytes, copied unchanged when the node is kept
  sv op_type;
  sv domain;
  std::vector<sv> inputs;
  std::vector<sv> outputs;
  std::vector<Attribute> attributes;

  bool Is(sv op) const { return op_type == op && (domain.empty() || domain == "ai.onnx"); }
  const Attribute* Attr(sv name) const {
    for (const Attribute& a : attributes) {
      if (a.name == name) return &a;
    }
    return nullptr;
  }
};

std::optional<Attribute> ParseAttribute(sv bytes) {
  Attribute a;
  Reader reader(bytes);
  Field f;
  while (reader.Next(&f)) {
    switch (f.number) {
      case attr_field::kName: a.name = f.bytes; break;
      case attr_field::kF: a.f = FloatBits(f.value); break;
      case attr_field::kI: a.i = static_cast<int64_t>(f.value); break;
      case attr_field::kT: a.tensor = f.bytes; break;
      case attr_field::kInts:
        if (!AppendVarints(f, &a.ints)) return std::nullopt;
        break;
      case attr_field::kType: a.type = static_cast<int64_t>(f.value); break;
      default: break;
    }
  }
  if (reader.failed()) return std::nullopt;
  return a;
}

std::optional<Node> ParseNode(sv bytes) {
  Node n;
  n.raw = bytes;
  Reader reader(bytes);
  Field f;
  while (reader.Next(&f)) {
    if (f.wire != wire::kBytes) continue;
    switch (f.number) {
      case node_field::kInput: n.inputs.push_back(f.bytes); break;
      case node_field::kOutput: n.outputs.push_back(f.bytes); break;
      case node_field::kOpType: n.op_type = f.bytes; break;
      case node_field::kDomain: n.domain = f.bytes; break;
      case node_field::kAttribute: {
        auto a = ParseAttribute(f.bytes);
        if (!a) return std::nullopt;
        n.attributes.push_back(*a);
        break;
      }
      default: break;
    }
  }
  if (reader.failed()) return std::nullopt;
  return n;
}

// A ValueInfoProto's name and tensor rank (-1 when it declares no shape).
std::pair<sv, int> ParseValueInfo(sv bytes) {
  sv name;
  int rank = -1;
  Reader reader(bytes);
  Field f;
  while (reader.Next(&f)) {
    if (f.number == value_info_field::kName && f.wire == wire::kBytes) name = f.bytes;
    if (f.number != value_info_field::kType || f.wire != wire::kBytes) continue;
    Reader type(f.bytes);
    Field t;
    while (type.Next(&t)) {
      if (t.number != kTypeTensor || t.wire != wire::kBytes) continue;
      Reader tensor(t.bytes);
      Field s;
      while (tensor.Next(&s)) {
        if (s.number != kTensorTypeShape || s.wire != wire::kBytes) continue;
        rank = 0;
        Reader shape(s.bytes);
        Field d;
        while (shape.Next(&d)) rank += d.number == kShapeDim ? 1 : 0;
      }
    }
  }
  return {name, rank};
}

// A node to write: either one of the file's own (raw bytes) or a fused one (encoded here).
struct Emitted {
  std::string encoded;  // empty: write `source->raw`
  const Node* source = nullptr;
  std::vector<std::string> inputs;
  std::vector<std::string> outputs;
};

class Graph {
 public:
  bool Parse(sv graph) {
    Reader reader(graph);
    Field f;
    while (reader.Next(&f)) {
      if (f.wire != wire::kBytes) continue;
      if (f.number == graph_field::kNode) {
        auto node = ParseNode(f.bytes);
        if (!node) return false;
        nodes_.push_back(std::move(*node));
      } else if (f.number == graph_field::kInitializer) {
        auto t = ParseTensor(f.bytes);
        if (!t) return false;
        if (t->external) return false;  // the file's folder would be lost when ORT loads bytes
        constants_[t->name] = *t;
        names_.insert(t->name);
      } else if (f.number == graph_field::kInput) {
        auto [name, rank] = ParseValueInfo(f.bytes);
        input_rank_[name] = rank;
        names_.insert(name);
      } else if (f.number == graph_field::kOutput) {
        graph_outputs_.insert(ParseValueInfo(f.bytes).first);
      }
    }
    if (reader.failed()) return false;
    for (size_t i = 0; i < nodes_.size(); ++i) {
      const Node& n = nodes_[i];
      for (sv out : n.outputs) {
        producer_[out] = i;
        names_.insert(out);
      }
      for (sv in : n.inputs) consumers_[in].push_back(i);
      if (n.Is("Constant") && n.outputs.size() == 1) {
        if (const Attribute* value = n.Attr("value"); value && !value->tensor.empty()) {
          if (auto t = ParseTensor(value->tensor)) constants_[n.outputs[0]] = *t;
        }
      }
    }
    InferRanks();
    return true;
  }

  const std::vector<Node>& nodes() const { return nodes_; }
  size_t Index(const Node* n) const { return static_cast<size_t>(n - nodes_.data()); }

  // The node of type `op` that produces `name`, or null.
  const Node* Producer(sv name, sv op) const {
    auto it = producer_.find(name);
    if (it == producer_.end()) return nullptr;
    const Node& n = nodes_[it->second];
    return n.Is(op) ? &n : nullptr;
  }
  // How many nodes read `name`, a graph output counting as one more reader.
  size_t Uses(sv name) const {
    auto it = consumers_.find(name);
    return (it == consumers_.end() ? 0 : it->second.size()) + (graph_outputs_.count(name) ? 1 : 0);
  }
  // The sole node reading `name` when it is of type `op`, or null.
  const Node* SoleConsumer(sv name, sv op) const {
    if (Uses(name) != 1) return nullptr;
    auto it = consumers_.find(name);
    if (it == consumers_.end()) return nullptr;
    const Node& n = nodes_[it->second[0]];
    return n.Is(op) ? &n : nullptr;
  }
  const Tensor* Constant(sv name) const {
    auto it = constants_.find(name);
    return it == constants_.end() ? nullptr : &it->second;
  }
  std::optional<float> Scalar(sv name) const {
    const Tensor* t = Constant(name);
    if (!t || t->elements() != 1) return std::nullopt;
    auto v = Floats(*t);
    return v ? std::optional<float>((*v)[0]) : std::nullopt;
  }
  // A 1-D float constant's length, or 0.
  int64_t VectorLength(sv name) const {
    const Tensor* t = Constant(name);
    return t && t->data_type == kFloat && t->dims.size() == 1 ? t->dims[0] : 0;
  }
  std::optional<std::vector<int64_t>> IntConstant(sv name) const {
    const Tensor* t = Constant(name);
    return t ? Ints(*t) : std::nullopt;
  }
  int Rank(sv name) const {
    auto it = rank_.find(name);
    return it == rank_.end() ? -1 : it->second;
  }
  bool IsGraphInput(sv name) const { return input_rank_.count(name) != 0; }
  bool IsGraphOutput(sv name) const { return graph_outputs_.count(name) != 0; }
  bool HasName(sv name) const { return names_.count(name) != 0; }

  // The axes of a ReduceMean/Unsqueeze: the attribute (older opsets) or the constant second input.
  std::optional<std::vector<int64_t>> Axes(const Node& n) const {
    if (const Attribute* a = n.Attr("axes")) return a->ints;
    if (n.inputs.size() >= 2) return IntConstant(n.inputs[1]);
    return std::nullopt;
  }

 private:
  // Tensor ranks from the graph inputs' declared shapes, through the ops an encoder is made of; -1
  // where unknown. Fusions check them so that a fused kernel only ever sees the ranks it takes.
  void InferRanks() {
    for (const auto& [name, rank] : input_rank_) rank_[name] = rank;
    for (const auto& [name, t] : constants_) rank_[name] = static_cast<int>(t.dims.size());
    auto rank = [&](size_t i, const Node& n) { return i < n.inputs.size() ? Rank(n.inputs[i]) : -1; };
    for (const Node& n : nodes_) {
      if (n.outputs.empty()) continue;
      int r = -1;
      const sv op = n.domain.empty() || n.domain == "ai.onnx" ? n.op_type : sv();
      if (op == "Add" || op == "Sub" || op == "Mul" || op == "Div" || op == "Pow" || op == "Where" || op == "Equal") {
        r = 0;
        for (size_t i = 0; i < n.inputs.size(); ++i) r = rank(i, n) < 0 || r < 0 ? -1 : std::max(r, rank(i, n));
      } else if (op == "MatMul" || op == "MatMulInteger") {
        const int a = rank(0, n), b = rank(1, n);
        if (a >= 2 && b >= 2) r = std::max(a, b);
      } else if (op == "Gather") {
        const int a = rank(0, n), b = rank(1, n);
        if (a >= 1 && b >= 0) r = a - 1 + b;
      } else if (op == "Reshape") {
        if (n.inputs.size() >= 2) {
          if (auto shape = IntConstant(n.inputs[1])) r = static_cast<int>(shape->size());
        }
      } else if (op == "Unsqueeze") {
        if (auto axes = Axes(n); axes && rank(0, n) >= 0) r = rank(0, n) + static_cast<int>(axes->size());
      } else if (op == "ReduceMean") {
        const Attribute* keep = n.Attr("keepdims");
        if (!keep || keep->i == 1) r = rank(0, n);
      } else if (op == "Range") {
        r = 1;
      } else if (op == "Shape") {
        r = 1;
        if (rank(0, n) >= 0) length_[n.outputs[0]] = rank(0, n);
      } else if (op == "Expand") {
        // Expand(x, Shape(y)): the shape's length is y's rank.
        auto len = n.inputs.size() == 2 ? length_.find(n.inputs[1]) : length_.end();
        if (len != length_.end() && rank(0, n) >= 0) r = std::max(rank(0, n), len->second);
      } else if (op == "Cast" || op == "Erf" || op == "Sqrt" || op == "Tanh" || op == "Relu" || op == "Softmax" ||
                 op == "LayerNormalization" || op == "Identity" || op == "Transpose" || op == "Not" ||
                 op == "DequantizeLinear" || op == "DynamicQuantizeLinear" || op == "Neg" || op == "CumSum" ||
                 op == "Slice") {
        r = rank(0, n);
      }
      rank_[n.outputs[0]] = r;
      if (op == "DynamicQuantizeLinear") {
        for (size_t i = 1; i < n.outputs.size(); ++i) rank_[n.outputs[i]] = 0;  // scale and zero point
      }
    }
  }

  std::vector<Node> nodes_;
  std::unordered_map<sv, size_t> producer_;
  std::unordered_map<sv, std::vector<size_t>> consumers_;
  std::unordered_map<sv, Tensor> constants_;
  std::unordered_map<sv, int> input_rank_;
  std::unordered_map<sv, int> rank_;
  std::unordered_map<sv, int> length_;  // the length of 1-D shape tensors, where known
  std::unordered_set<sv> graph_outputs_;
  std::unordered_set<sv> names_;
};

// The two inputs of a binary node in the order (matches `first`, the other); nothing if neither does.
template <typename Pred>
std::optional<std::pair<sv, sv>> Split(const Node& n, Pred first) {
  if (n.inputs.size() != 2) return std::nullopt;
  if (first(n.inputs[0])) return std::make_pair(n.inputs[0], n.inputs[1]);
  if (first(n.inputs[1])) return std::make_pair(n.inputs[1], n.inputs[0]);
  return std::nullopt;
}

bool HasPerm(const Node& n, std::initializer_list<int64_t> perm) {
  const Attribute* a = n.Attr("perm");
  return a && a->ints == std::vector<int64_t>(perm);
}

struct LayerNorm {
  sv x, gamma, beta, output;
  float epsilon = 0;
  int64_t hidden = 0;
  size_t x_uses = 0;  // the readers of x inside the pattern
  std::vector<const Node*> nodes;
};

// LayerNorm over the last axis: an ONNX LayerNormalization node, or torch's opset<17 decomposition
// Add(Mul(Div(Sub(x, ReduceMean(x)), Sqrt(Add(ReduceMean(Pow(Sub(..), 2)), eps))), gamma), beta),
// anchored at its last node.
std::optional<LayerNorm> MatchLayerNorm(const Graph& g, const Node& last) {
  LayerNorm ln;
  if (last.Is("LayerNormalization")) {
    if (last.inputs.size() != 3 || last.outputs.empty()) return std::nullopt;
    for (size_t i = 1; i < last.outputs.size(); ++i) {
      if (!last.outputs[i].empty() && g.Uses(last.outputs[i])) return std::nullopt;
    }
    const Attribute* axis = last.Attr("axis");
    if (axis && axis->i != -1) return std::nullopt;
    const Attribute* eps = last.Attr("epsilon");
    ln.x = last.inputs[0];
    ln.gamma = last.inputs[1];
    ln.beta = last.inputs[2];
    ln.epsilon = eps ? eps->f : 1e-5f;
    ln.x_uses = 1;
    ln.nodes = std::vector<const Node*>{&last};
  } else {
    if (!last.Is("Add")) return std::nullopt;
    auto beta_split = Split(last, [&](sv in) { return g.VectorLength(in) > 0; });
    if (!beta_split) return std::nullopt;
    const Node* mul = g.Producer(beta_split->second, "Mul");
    if (!mul || g.Uses(mul->outputs[0]) != 1) return std::nullopt;
    auto gamma_split = Split(*mul, [&](sv in) { return g.VectorLength(in) > 0; });
    if (!gamma_split) return std::nullopt;
    const Node* div = g.Producer(gamma_split->second, "Div");
    if (!div || div->inputs.size() != 2 || g.Uses(div->outputs[0]) != 1) return std::nullopt;
    const Node* sub = g.Producer(div->inputs[0], "Sub");
    const Node* sqrt = g.Producer(div->inputs[1], "Sqrt");
    if (!sub || !sqrt || sub->inputs.size() != 2 || g.Uses(sub->outputs[0]) != 2 || g.Uses(sqrt->outputs[0]) != 1) {
      return std::nullopt;
    }
    const Node* add_eps = g.Producer(sqrt->inputs[0], "Add");
    if (!add_eps || g.Uses(add_eps->outputs[0]) != 1) return std::nullopt;
    auto eps_split = Split(*add_eps, [&](sv in) { return g.Scalar(in).has_value(); });
    if (!eps_split) return std::nullopt;
    const Node* var = g.Producer(eps_split->second, "ReduceMean");
    if (!var || g.Uses(var->outputs[0]) != 1) return std::nullopt;
    const Node* pow = g.Producer(var->inputs[0], "Pow");
    if (!pow || pow->inputs.size() != 2 || pow->inputs[0] != sub->outputs[0] || g.Uses(pow->outputs[0]) != 1) {
      return std::nullopt;
    }
    const auto exponent = g.Scalar(pow->inputs[1]);
    const Node* mean = g.Producer(sub->inputs[1], "ReduceMean");
    if (!exponent || *exponent != 2.0f || !mean || mean->inputs[0] != sub->inputs[0] || g.Uses(mean->outputs[0]) != 1) {
      return std::nullopt;
    }
    for (const Node* reduce : {mean, var}) {
      const auto axes = g.Axes(*reduce);
      const Attribute* keep = reduce->Attr("keepdims");
      if (!axes || *axes != std::vector<int64_t>{-1} || (keep && keep->i != 1)) return std::nullopt;
    }
    ln.x = sub->inputs[0];
    ln.gamma = gamma_split->first;
    ln.beta = beta_split->first;
    ln.epsilon = *g.Scalar(eps_split->first);
    ln.x_uses = 2;
    ln.nodes = std::vector<const Node*>{mean, sub, pow, var, add_eps, sqrt, div, mul, &last};
  }
  ln.hidden = g.VectorLength(ln.gamma);
  if (ln.hidden <= 0 || g.VectorLength(ln.beta) != ln.hidden || !std::isfinite(ln.epsilon)) return std::nullopt;
  ln.output = last.outputs[0];
  return ln;
}

// Encoding of the nodes and tensors a fusion adds.
class NodeWriter {
 public:
  NodeWriter(sv op_type, sv name) : op_type_(op_type), name_(name) {}
  NodeWriter& Input(sv name) {
    inputs_.emplace_back(name);
    return *this;
  }
  NodeWriter& Output(sv name) {
    outputs_.emplace_back(name);
    return *this;
  }
  NodeWriter& Float(sv name, float value) {
    Writer a;
    a.Bytes(attr_field::kName, name);
    a.Float(attr_field::kF, value);
    a.Varint(attr_field::kType, kAttrFloat);
    attributes_.push_back(std::move(a.str()));
    return *this;
  }
  NodeWriter& Int(sv name, int64_t value) {
    Writer a;
    a.Bytes(attr_field::kName, name);
    a.Varint(attr_field::kI, static_cast<uint64_t>(value));
    a.Varint(attr_field::kType, kAttrInt);
    attributes_.push_back(std::move(a.str()));
    return *this;
  }
  Emitted Finish(sv domain) const {
    Writer n;
    for (const auto& in : inputs_) n.Bytes(node_field::kInput, in);
    for (const auto& out : outputs_) n.Bytes(node_field::kOutput, out);
    n.Bytes(node_field::kName, name_);
    n.Bytes(node_field::kOpType, op_type_);
    for (const auto& a : attributes_) n.Bytes(node_field::kAttribute, a);
    if (!domain.empty()) n.Bytes(node_field::kDomain, domain);
    return Emitted{std::move(n.str()), nullptr, inputs_, outputs_};
  }

 private:
  std::string op_type_;
  std::string name_;
  std::vector<std::string> inputs_;
  std::vector<std::string> outputs_;
  std::vector<std::string> attributes_;
};

std::string FloatTensor(sv name, const std::vector<int64_t>& dims, const std::vector<float>& data) {
  Writer t;
  for (int64_t d : dims) t.Varint(tensor_field::kDims, static_cast<uint64_t>(d));
  t.Varint(tensor_field::kDataType, kFloat);
  t.Bytes(tensor_field::kName, name);
  t.Bytes(tensor_field::kRawData, sv(reinterpret_cast<const char*>(data.data()), data.size() * sizeof(float)));
  return std::move(t.str());
}

class Fuser {
 public:
  Fuser(const Graph& g, int64_t opset) : g_(g), opset_(opset) {}

  void Run() {
    for (const Node& n : g_.nodes()) {
      if (n.Is("Softmax")) FuseAttention(n);
    }
    // In a quantized graph a LayerNorm's output is quantized again for the next MatMul, and
    // SkipLayerNormalization's last-bit differences from the unfused LayerNorm flip some of those
    // int8 roundings: scores moved by up to 7e-2 on the benchmark's int8 model. Only exact fusions there.
    const bool quantized = std::any_of(g_.nodes().begin(), g_.nodes().end(), [](const Node& n) {
      return n.Is("DynamicQuantizeLinear") || n.Is("QuantizeLinear") || n.Is("MatMulInteger") || n.Is("QLinearMatMul");
    });
    if (quantized) return;
    for (const Node& n : g_.nodes()) {
      if (!removed_.count(&n)) FuseSkipLayerNorm(n);
    }
  }

  int attention() const { return attention_; }
  int skip_layer_norm() const { return skip_layer_norm_; }
  bool changed() const { return !removed_.empty(); }
  const std::vector<std::string>& initializers() const { return initializers_; }

  // The graph's nodes with each fused pattern replaced by its node, in the place of the pattern's
  // last node (every input of the fused node is produced before it), then without the nodes whose
  // outputs nothing reads any more (the attention mask's arithmetic, once every layer is fused).
  std::vector<Emitted> Nodes() {
    std::vector<Emitted> out;
    for (auto& e : prologue_) out.push_back(e);
    for (const Node& n : g_.nodes()) {
      if (auto it = fused_at_.find(&n); it != fused_at_.end()) out.push_back(it->second);
      if (removed_.count(&n)) continue;
      Emitted kept;
      kept.source = &n;
      for (sv in : n.inputs) kept.inputs.emplace_back(in);
      for (sv o : n.outputs) kept.outputs.emplace_back(o);
      out.push_back(std::move(kept));
    }
    // ONNX nodes have no side effects: a node none of whose outputs is read is dropped.
    std::unordered_set<std::string> read;
    std::vector<bool> live(out.size(), false);
    for (size_t i = out.size(); i-- > 0;) {
      for (const auto& o : out[i].outputs) live[i] = live[i] || read.count(o) || g_.IsGraphOutput(o);
      if (!live[i]) continue;
      for (const auto& in : out[i].inputs) read.insert(in);
    }
    std::vector<Emitted> kept;
    for (size_t i = 0; i < out.size(); ++i) {
      if (live[i]) {
        kept.push_back(std::move(out[i]));
      } else {
        for (const auto& o : out[i].outputs) vanished_.insert(o);
      }
    }
    return kept;
  }

  // Names of values the fusions made disappear (their value_info entries are dropped); complete once
  // Nodes() has run.
  bool Vanished(sv name) const { return vanished_.count(std::string(name)) != 0; }

 private:
  std::string Unique(std::string base) const {
    std::string name = base;
    for (int i = 1; g_.HasName(name) || used_names_.count(name); ++i) name = base + "_" + std::to_string(i);
    return name;
  }

  void Remove(const std::vector<const Node*>& nodes, const Node* anchor, Emitted fused) {
    for (const Node* n : nodes) {
      removed_.insert(n);
      for (sv o : n->outputs) vanished_.emplace(o);
    }
    for (const auto& o : fused.outputs) vanished_.erase(o);
    fused_at_.emplace(anchor, std::move(fused));
  }

  static const Node* Last(const Graph& g, const std::vector<const Node*>& nodes) {
    return *std::max_element(nodes.begin(), nodes.end(),
                             [&](const Node* a, const Node* b) { return g.Index(a) < g.Index(b); });
  }

  // (1 - mask[:, None, None, :]) * filter, from the graph input `attention_mask` (casts and either
  // Unsqueeze form allowed): the additive mask that the Attention kernel builds itself from a raw
  // 0/1 mask and mask_filter_value. Returns the filter value.
  std::optional<float> MatchMask(sv name) const {
    const Node* mul = g_.Producer(name, "Mul");
    if (!mul) return std::nullopt;
    auto filter = Split(*mul, [&](sv in) { return g_.Scalar(in).has_value(); });
    if (!filter) return std::nullopt;
    const Node* sub = g_.Producer(filter->second, "Sub");
    if (!sub || sub->inputs.size() != 2) return std::nullopt;
    const auto one = g_.Scalar(sub->inputs[0]);
    if (!one || *one != 1.0f) return std::nullopt;
    sv v = sub->inputs[1];
    std::vector<int64_t> axes;
    for (int steps = 0; steps < 6 && !g_.IsGraphInput(v); ++steps) {
      if (const Node* cast = g_.Producer(v, "Cast")) {
        v = cast->inputs[0];
      } else if (const Node* unsqueeze = g_.Producer(v, "Unsqueeze")) {
        auto a = g_.Axes(*unsqueeze);
        if (!a) return std::nullopt;
        axes.insert(axes.begin(), a->begin(), a->end());
        v = unsqueeze->inputs[0];
      } else {
        return std::nullopt;
      }
    }
    if (v != "attention_mask" || g_.Rank(v) != 2 || axes != std::vector<int64_t>{1, 2}) return std::nullopt;
    const float value = *g_.Scalar(filter->first);
    return std::isfinite(value) ? std::optional<float>(value) : std::nullopt;
  }

  // Transpose(Reshape(projected, [0, 0, heads, head_size])): Q, K or V split into heads. When
  // `projected` is Add(MatMul(x, W), b) with float constants W [hidden, hidden] and b [hidden], that
  // projection is matched too (x, weight, bias set), for the Attention kernel to take over.
  struct Heads {
    sv projected;
    int64_t heads = 0;
    std::vector<const Node*> nodes;
    sv x, weight, bias;
    std::vector<const Node*> projection;
  };
  std::optional<Heads> MatchHeads(sv transposed, std::initializer_list<int64_t> perm, int64_t hidden) const {
    Heads p;
    const Node* transpose = g_.Producer(transposed, "Transpose");
    if (!transpose || !HasPerm(*transpose, perm) || g_.Uses(transposed) != 1) return std::nullopt;
    const Node* reshape = g_.Producer(transpose->inputs[0], "Reshape");
    if (!reshape || reshape->inputs.size() != 2 || g_.Uses(reshape->outputs[0]) != 1) return std::nullopt;
    const auto shape = g_.IntConstant(reshape->inputs[1]);
    if (!shape || shape->size() != 4 || (*shape)[0] != 0 || ((*shape)[1] != 0 && (*shape)[1] != -1)) return std::nullopt;
    p.heads = (*shape)[2];
    const int64_t head_size = (*shape)[3] == -1 && (*shape)[1] != -1 && p.heads > 0 ? hidden / p.heads : (*shape)[3];
    if (p.heads <= 0 || head_size <= 0 || p.heads * head_size != hidden) return std::nullopt;
    p.projected = reshape->inputs[0];
    if (g_.Rank(p.projected) != 3) return std::nullopt;
    p.nodes = std::vector<const Node*>{transpose, reshape};
    const Node* add = g_.Producer(p.projected, "Add");
    if (!add || g_.Uses(add->outputs[0]) != 1) return p;
    auto bias = Split(*add, [&](sv in) { return g_.VectorLength(in) == hidden; });
    if (!bias) return p;
    const Node* matmul = g_.Producer(bias->second, "MatMul");
    if (!matmul || matmul->inputs.size() != 2 || g_.Uses(matmul->outputs[0]) != 1) return p;
    const Tensor* w = g_.Constant(matmul->inputs[1]);
    if (!w || w->data_type != kFloat || w->dims != std::vector<int64_t>{hidden, hidden}) return p;
    p.x = matmul->inputs[0];
    p.weight = matmul->inputs[1];
    p.bias = bias->first;
    p.projection = std::vector<const Node*>{add, matmul};
    return p;
  }

  // One self-attention block, from the Q, K, V projections' outputs to the heads merged back into
  // [batch, seq, hidden]. With float Q, K, V weights on one input it becomes com.microsoft.Attention
  // (projections included: one GEMM for the three, heads written in place, no Transposes); otherwise
  // (int8 graphs, whose projections are quantized MatMuls) com.microsoft.MultiHeadAttention over the
  // projections' outputs, which computes exactly what the unfused nodes do.
  void FuseAttention(const Node& softmax) {
    const Attribute* axis = softmax.Attr("axis");
    if (!(axis ? (axis->i == -1 || axis->i == 3) : opset_ >= 13)) return;
    if (softmax.inputs.empty() || softmax.outputs.empty()) return;
    const Node* masked = g_.Producer(softmax.inputs[0], "Add");
    if (!masked || g_.Uses(masked->outputs[0]) != 1) return;
    // Scores: MatMul(q, k) / sqrt(head_size) (or * its inverse); the other addend is the mask.
    const Node* scaled = nullptr;
    sv mask;
    for (size_t side = 0; side < 2 && masked->inputs.size() == 2; ++side) {
      const Node* s = g_.Producer(masked->inputs[side], "Div");
      if (!s) s = g_.Producer(masked->inputs[side], "Mul");
      if (s && s->inputs.size() == 2 && g_.Producer(s->inputs[0], "MatMul") && g_.Scalar(s->inputs[1])) {
        scaled = s;
        mask = masked->inputs[1 - side];
        break;
      }
    }
    if (!scaled || g_.Uses(scaled->outputs[0]) != 1) return;
    const float c = *g_.Scalar(scaled->inputs[1]);
    if (!(c > 0) || !std::isfinite(c)) return;
    const float scale = scaled->Is("Div") ? 1.0f / c : c;
    const auto filter = MatchMask(mask);
    if (!filter) return;
    const Node* qk = g_.Producer(scaled->inputs[0], "MatMul");
    if (!qk || qk->inputs.size() != 2 || g_.Uses(qk->outputs[0]) != 1) return;
    const Node* pv = g_.SoleConsumer(softmax.outputs[0], "MatMul");
    if (!pv || pv->inputs.size() != 2 || pv->inputs[0] != softmax.outputs[0]) return;
    const Node* merge_t = g_.SoleConsumer(pv->outputs[0], "Transpose");
    if (!merge_t || !HasPerm(*merge_t, {0, 2, 1, 3})) return;
    const Node* merge = g_.SoleConsumer(merge_t->outputs[0], "Reshape");
    if (!merge || merge->inputs.size() != 2 || merge->inputs[0] != merge_t->outputs[0]) return;
    const auto merged = g_.IntConstant(merge->inputs[1]);
    if (!merged || merged->size() != 3 || (*merged)[0] != 0 || ((*merged)[1] != 0 && (*merged)[1] != -1)) return;
    const int64_t hidden = (*merged)[2];
    if (hidden <= 0) return;
    const auto q = MatchHeads(qk->inputs[0], {0, 2, 1, 3}, hidden);
    const auto k = MatchHeads(qk->inputs[1], {0, 2, 3, 1}, hidden);
    const auto v = MatchHeads(pv->inputs[1], {0, 2, 1, 3}, hidden);
    if (!q || !k || !v || q->heads != k->heads || q->heads != v->heads) return;

    std::vector<const Node*> nodes = {&softmax, masked, scaled, qk, pv, merge_t, merge};
    for (const Heads* p : {&*q, &*k, &*v}) nodes.insert(nodes.end(), p->nodes.begin(), p->nodes.end());
    const std::string name = std::string(merge->outputs[0]);
    std::optional<NodeWriter> fused;
    const bool projections = !q->x.empty() && q->x == k->x && q->x == v->x && g_.Rank(q->x) == 3;
    if (projections) fused = AttentionNode(*q, *k, *v, hidden, name);
    if (fused) {
      for (const Heads* p : {&*q, &*k, &*v}) nodes.insert(nodes.end(), p->projection.begin(), p->projection.end());
    } else {
      fused.emplace("MultiHeadAttention", Unique(name + "/crossrank_multi_head_attention"));
      fused->Input(q->projected).Input(k->projected).Input(v->projected).Input("").Input(MaskInt32());
    }
    fused->Output(merge->outputs[0]);
    fused->Int("num_heads", q->heads).Float("scale", scale).Float("mask_filter_value", *filter);
    Remove(nodes, Last(g_, nodes), fused->Finish(kMsDomain));
    ++attention_;
  }

  // com.microsoft.Attention over x with the three projections' weights side by side ([hidden,
  // 3 * hidden]: row r is Q's, K's and V's row r) and biases end to end; nothing if a weight's data
  // cannot be read.
  std::optional<NodeWriter> AttentionNode(const Heads& q, const Heads& k, const Heads& v, int64_t hidden,
                                          const std::string& name) {
    std::vector<std::vector<float>> w, b;
    for (const Heads* p : {&q, &k, &v}) {
      auto weight = Floats(*g_.Constant(p->weight));
      auto bias = Floats(*g_.Constant(p->bias));
      if (!weight || !bias) return std::nullopt;
      w.push_back(std::move(*weight));
      b.push_back(std::move(*bias));
    }
    const size_t h = static_cast<size_t>(hidden);
    std::vector<float> qkv_weight(h * 3 * h), qkv_bias;
    for (size_t r = 0; r < h; ++r) {
      for (size_t j = 0; j < 3; ++j) std::memcpy(&qkv_weight[(r * 3 + j) * h], &w[j][r * h], h * sizeof(float));
    }
    for (const auto& part : b) qkv_bias.insert(qkv_bias.end(), part.begin(), part.end());
    const std::string weight_name = Unique(std::string(q.weight) + "/crossrank_qkv");
    used_names_.insert(weight_name);
    const std::string bias_name = Unique(std::string(q.bias) + "/crossrank_qkv");
    used_names_.insert(bias_name);
    initializers_.push_back(FloatTensor(weight_name, {hidden, 3 * hidden}, qkv_weight));
    initializers_.push_back(FloatTensor(bias_name, {3 * hidden}, qkv_bias));
    NodeWriter fused("Attention", Unique(name + "/crossrank_attention"));
    fused.Input(q.x).Input(weight_name).Input(bias_name).Input(MaskInt32());
    return fused;
  }

  // The attention mask as the int32 [batch, seq] the Attention kernel reads, cast once for all layers.
  std::string MaskInt32() {
    if (!mask_int32_.empty()) return mask_int32_;
    mask_int32_ = Unique("attention_mask/crossrank_int32");
    used_names_.insert(mask_int32_);
    NodeWriter cast("Cast", mask_int32_ + "/cast");
    cast.Input("attention_mask").Output(mask_int32_).Int("to", kInt32);
    prologue_.push_back(cast.Finish(""));
    return mask_int32_;
  }

  // LayerNorm(x + skip) where x = Add(y, bias): the post-LN transformer sublayer's output.
  void FuseSkipLayerNorm(const Node& last) {
    const auto ln = MatchLayerNorm(g_, last);
    if (!ln) return;
    for (const Node* n : ln->nodes) {
      if (removed_.count(n)) return;
    }
    const Node* residual = g_.Producer(ln->x, "Add");
    if (!residual || residual->inputs.size() != 2 || g_.Uses(ln->x) != ln->x_uses || removed_.count(residual)) return;
    for (size_t side = 0; side < 2; ++side) {
      const Node* biased = g_.Producer(residual->inputs[side], "Add");
      if (!biased || removed_.count(biased) || g_.Uses(biased->outputs[0]) != 1) continue;
      auto bias = Split(*biased, [&](sv in) { return g_.VectorLength(in) == ln->hidden; });
      if (!bias) continue;
      const sv input = bias->second;
      const sv skip = residual->inputs[1 - side];
      if (g_.Rank(input) != 3 || g_.Rank(skip) != 3) continue;
      std::vector<const Node*> nodes = ln->nodes;
      nodes.push_back(residual);
      nodes.push_back(biased);
      NodeWriter fused("SkipLayerNormalization", Unique(std::string(ln->output) + "/crossrank_skip_layer_norm"));
      fused.Input(input).Input(skip).Input(ln->gamma).Input(ln->beta).Input(bias->first).Output(ln->output);
      fused.Float("epsilon", ln->epsilon);
      Remove(nodes, Last(g_, nodes), fused.Finish(kMsDomain));
      ++skip_layer_norm_;
      return;
    }
  }

  const Graph& g_;
  int64_t opset_;
  int attention_ = 0;
  int skip_layer_norm_ = 0;
  std::unordered_set<const Node*> removed_;
  std::unordered_map<const Node*, Emitted> fused_at_;
  std::vector<Emitted> prologue_;
  std::vector<std::string> initializers_;
  std::unordered_set<std::string> vanished_;
  std::unordered_set<std::string> used_names_;
  std::string mask_int32_;
};

}  // namespace

FusedGraph FuseEncoderGraph(std::string_view model) {
  FusedGraph result;
  if (model.size() >= (size_t{1} << 31)) return result;  // protobuf's limit: such files use external data
  sv graph_bytes;
  int64_t opset = 0;
  bool has_ms_domain = false;
  {
    Reader reader(model);
    Field f;
    while (reader.Next(&f)) {
      if (f.number == model_field::kGraph && f.wire == wire::kBytes) graph_bytes = f.bytes;
      if (f.number != model_field::kOpsetImport || f.wire != wire::kBytes) continue;
      Reader op(f.bytes);
      Field o;
      sv domain;
      int64_t version = 0;
      while (op.Next(&o)) {
        if (o.number == opset_field::kDomain && o.wire == wire::kBytes) domain = o.bytes;
        if (o.number == opset_field::kVersion && o.wire == wire::kVarint) version = static_cast<int64_t>(o.value);
      }
      if (domain.empty() || domain == "ai.onnx") opset = version;
      if (domain == kMsDomain) has_ms_domain = true;
    }
    if (reader.failed() || graph_bytes.empty()) return result;
  }
  Graph g;
  if (!g.Parse(graph_bytes)) return result;
  Fuser fuser(g, opset);
  fuser.Run();
  if (!fuser.changed()) return result;

  // The graph's fields as pieces: node fields written here (small), every other field (the weights)
  // viewed in the mapped file, so the model is copied once, into its final string.
  const std::vector<Emitted> nodes = fuser.Nodes();
  std::vector<std::string> node_fields;
  node_fields.reserve(nodes.size() + fuser.initializers().size());
  for (const Emitted& n : nodes) {
    Writer field;
    field.Bytes(graph_field::kNode, n.encoded.empty() ? n.source->raw : sv(n.encoded));
    node_fields.push_back(std::move(field.str()));
  }
  for (const std::string& t : fuser.initializers()) {
    Writer field;
    field.Bytes(graph_field::kInitializer, t);
    node_fields.push_back(std::move(field.str()));
  }
  std::vector<sv> pieces(node_fields.begin(), node_fields.end());
  Reader reader(graph_bytes);
  Field f;
  while (reader.Next(&f)) {
    if (f.number == graph_field::kNode) continue;
    if (f.number == graph_field::kValueInfo && f.wire == wire::kBytes && fuser.Vanished(ParseValueInfo(f.bytes).first)) {
      continue;
    }
    pieces.push_back(f.raw);
  }

  Writer out;
  size_t extra = 64;
  for (const std::string& t : fuser.initializers()) extra += t.size() + 16;
  out.Reserve(model.size() + extra);
  Reader top(model);
  while (top.Next(&f)) {
    if (f.number == model_field::kGraph) {
      out.BytesOf(model_field::kGraph, pieces);
    } else {
      out.Raw(f.raw);
    }
  }
  if (!has_ms_domain) {
    Writer opset_import;
    opset_import.Bytes(opset_field::kDomain, kMsDomain);
    opset_import.Varint(opset_field::kVersion, 1);
    out.Bytes(model_field::kOpsetImport, opset_import.str());
  }
  result.model = std::move(out.str());
  result.attention = fuser.attention();
  result.skip_layer_norm = fuser.skip_layer_norm();
  return result;
}

FusedGraph FuseEncoderGraphFile(const std::string& model_path) {
  wire::MappedFile file(model_path);
  return FuseEncoderGraph(file.view());
}

}  // namespace crossrank::runtime
