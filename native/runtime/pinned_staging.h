// Page-locked host buffers for a CUDA session's input tensors. A copy to the GPU from pinned memory is
// one DMA transfer; from ordinary (pageable) memory the driver first stages it through a buffer of its
// own. Buffers are reused from batch to batch (allocating pinned memory costs far more than a batch's
// copy) and freed with the session.
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <vector>

#include <onnxruntime_cxx_api.h>

namespace crossrank::runtime {

class PinnedStaging {
 public:
  // Asks the session (whose CUDA provider owns it) for its pinned allocator; when it has none,
  // available() is false and callers bind ordinary host memory.
  PinnedStaging(const Ort::Session& session, int device_id);
  ~PinnedStaging();
  PinnedStaging(const PinnedStaging&) = delete;
  PinnedStaging& operator=(const PinnedStaging&) = delete;

  bool available() const { return allocator_ != nullptr; }
  const OrtMemoryInfo* memory_info() const { return *info_; }

  // A buffer of at least `bytes`, back in the pool when the lease ends. Thread-safe.
  class Lease {
   public:
    Lease(PinnedStaging* owner, void* data, size_t bytes) : owner_(owner), data_(data), bytes_(bytes) {}
    Lease(Lease&& other) noexcept : owner_(other.owner_), data_(other.data_), bytes_(other.bytes_) { other.data_ = nullptr; }
    Lease& operator=(Lease&&) = delete;
    Lease(const Lease&) = delete;
    ~Lease();
    void* data() const { return data_; }

   private:
    PinnedStaging* owner_;
    void* data_;
    size_t bytes_;
  };
  Lease Acquire(size_t bytes);

 private:
  struct Buffer {
    void* data;
    size_t bytes;
  };
  void Return(Buffer buffer);

  std::unique_ptr<Ort::MemoryInfo> info_;
  std::unique_ptr<Ort::Allocator> allocator_;
  std::mutex mutex_;
  std::vector<Buffer> free_;
  std::vector<Buffer> all_;  // every buffer ever allocated, freed in the destructor
};

}  // namespace crossrank::runtime
