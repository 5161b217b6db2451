#include "runtime/pinned_staging.h"

#include <algorithm>

namespace crossrank::runtime {

PinnedStaging::PinnedStaging(const Ort::Session& session, int device_id) {
  try {
    info_ = std::make_unique<Ort::MemoryInfo>("CudaPinned", OrtDeviceAllocator, device_id, OrtMemTypeCPUOutput);
    allocator_ = std::make_unique<Ort::Allocator>(session, *info_);
  } catch (const Ort::Exception&) {
    // A provider without a pinned allocator (or a plugin build that names it otherwise): ordinary host
    // memory still works, ORT copies it itself.
    allocator_.reset();
  }
}

PinnedStaging::~PinnedStaging() {
  for (const Buffer& buffer : all_) allocator_->Free(buffer.data);
}

PinnedStaging::Lease::~Lease() {
  if (data_) owner_->Return(Buffer{data_, bytes_});
}

PinnedStaging::Lease PinnedStaging::Acquire(size_t bytes) {
  std::lock_guard<std::mutex> lock(mutex_);
  // The smallest free buffer that fits; batches of one engine come in a few sizes.
  auto best = free_.end();
  for (auto it = free_.begin(); it != free_.end(); ++it) {
    if (it->bytes >= bytes && (best == free_.end() || it->bytes < best->bytes)) best = it;
  }
  if (best != free_.end()) {
    Buffer buffer = *best;
    free_.erase(best);
    return Lease(this, buffer.data, buffer.bytes);
  }
  // None fits: a free buffer too small is replaced, so the pool never holds more buffers than were
  // ever leased at once.
  if (!free_.empty()) {
    const Buffer small = free_.back();
    free_.pop_back();
    all_.erase(std::find_if(all_.begin(), all_.end(), [&](const Buffer& b) { return b.data == small.data; }));
    allocator_->Free(small.data);
  }
  // Rounded up so that slightly longer batches reuse the buffer instead of growing the pool.
  const size_t rounded = std::max<size_t>(64 * 1024, (bytes + 64 * 1024 - 1) / (64 * 1024) * (64 * 1024));
  void* data = allocator_->Alloc(rounded);
  all_.push_back(Buffer{data, rounded});
  return Lease(this, data, rounded);
}

void PinnedStaging::Return(Buffer buffer) {
  std::lock_guard<std::mutex> lock(mutex_);
  free_.push_back(buffer);
}

}  // namespace crossrank::runtime
