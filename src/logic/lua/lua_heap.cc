#include "logic/lua/lua_heap.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

#if defined(__SANITIZE_ADDRESS__)
#define RP_LUA_HEAP_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RP_LUA_HEAP_ASAN 1
#endif
#endif

#ifdef RP_LUA_HEAP_ASAN
#include <sanitizer/asan_interface.h>
#define RP_POISON(p, n) ASAN_POISON_MEMORY_REGION(p, n)
#define RP_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define RP_POISON(p, n) ((void)(p), (void)(n))
#define RP_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

namespace rp::logic {
namespace {

// The chunks form a list through their first granule, so that getting one
// never allocates anything else (no exception can leave the allocator: Lua
// calls it from C).
struct ChunkHeader {
  void* previous;
};

#ifdef RP_LUA_HEAP_ASAN
void* PlainAlloc(void*, void* ptr, size_t, size_t nsize) {
  if (nsize == 0) {
    std::free(ptr);
    return nullptr;
  }
  return std::realloc(ptr, nsize);
}
#endif

}  // namespace

LuaHeap::~LuaHeap() {
  while (chunks_ != nullptr) {
    void* chunk = chunks_;
    chunks_ = static_cast<ChunkHeader*>(chunk)->previous;
    RP_UNPOISON(chunk, kChunkBytes);
    std::free(chunk);
  }
}

LuaHeap::AllocFunction LuaHeap::Allocator() {
#ifdef RP_LUA_HEAP_ASAN
  return &PlainAlloc;
#else
  return &Alloc;
#endif
}

// The free list's head when there is one (the common case, kept small
// enough to inline into Alloc), else a block from the chunk.
inline void* LuaHeap::AllocateSmall(size_t size) {
  const size_t c = ClassOf(size);
  if (FreeBlock* block = free_[c]) {
    RP_UNPOISON(block, sizeof(FreeBlock));
    free_[c] = block->next;
    RP_POISON(block, ClassBytes(c));
    RP_UNPOISON(block, size);
    return block;
  }
  return AllocateFromChunk(c, size);
}

inline void LuaHeap::FreeSmall(void* block, size_t size) {
  const size_t c = ClassOf(size);
  RP_UNPOISON(block, sizeof(FreeBlock));
  auto* b = static_cast<FreeBlock*>(block);
  b->next = free_[c];
  free_[c] = b;
  RP_POISON(block, ClassBytes(c));
}

void* LuaHeap::AllocateFromChunk(size_t c, size_t size) {
  const size_t bytes = ClassBytes(c);
  if (static_cast<size_t>(limit_ - cursor_) < bytes && !NewChunk()) return nullptr;
  void* block = cursor_;
  cursor_ += bytes;
  RP_UNPOISON(block, size);
  return block;
}

void* LuaHeap::Alloc(void* ud, void* ptr, size_t osize, size_t nsize) {
  auto* heap = static_cast<LuaHeap*>(ud);
  if (ptr == nullptr) {  // osize is a type tag here, not a size
    if (nsize == 0) return nullptr;
    return nsize <= kMaxSmall ? heap->AllocateSmall(nsize) : std::malloc(nsize);
  }
  if (nsize == 0) {
    if (osize <= kMaxSmall) {
      heap->FreeSmall(ptr, osize);
    } else {
      std::free(ptr);
    }
    return nullptr;
  }
  if (osize > kMaxSmall && nsize > kMaxSmall) return std::realloc(ptr, nsize);
  if (osize <= kMaxSmall && nsize <= kMaxSmall && ClassOf(osize) == ClassOf(nsize)) {
    RP_POISON(ptr, ClassBytes(ClassOf(osize)));
    RP_UNPOISON(ptr, nsize);
    return ptr;
  }
  void* block = nsize <= kMaxSmall ? heap->AllocateSmall(nsize) : std::malloc(nsize);
  if (block == nullptr) return nullptr;  // the old block stays as it was: Lua 5.4 copes
  std::memcpy(block, ptr, std::min(osize, nsize));
  if (osize <= kMaxSmall) {
    heap->FreeSmall(ptr, osize);
  } else {
    std::free(ptr);
  }
  return block;
}

bool LuaHeap::NewChunk() {
  static_assert(sizeof(ChunkHeader) <= kGranule && kChunkBytes % kGranule == 0);
  // What is left of the current chunk (a multiple of the granule, below the
  // largest class) is one block of its own size class.
  if (const size_t rest = static_cast<size_t>(limit_ - cursor_); rest >= kGranule) {
    RP_UNPOISON(cursor_, rest);
    FreeSmall(cursor_, rest);
  }
  void* chunk = std::aligned_alloc(kGranule, kChunkBytes);
  if (chunk == nullptr) return false;
  static_cast<ChunkHeader*>(chunk)->previous = chunks_;
  chunks_ = chunk;
  cursor_ = static_cast<char*>(chunk) + kGranule;
  limit_ = static_cast<char*>(chunk) + kChunkBytes;
  RP_POISON(cursor_, kChunkBytes - kGranule);
  return true;
}

}  // namespace rp::logic
