// The memory of one Lua state: small blocks from per-size free lists, larger
// ones from malloc.
//
// Why: a script's transform makes a dozen short-lived tables and strings per
// record (the record, the decoded JSON, the output), nearly all under 256
// bytes, and glibc's malloc/free for each was a quarter of a record's time.
// Lua tells the allocator the size of every block it frees or resizes, so a
// free list per 16-byte size class needs no block headers, and the
// generational collector hands last record's blocks straight back to the
// next one, still in cache.
//
// Rules it relies on (lua_Alloc, Lua 5.4): `osize` is the block's size
// whenever `ptr` is not NULL (when it is NULL, `osize` is a type tag and
// means nothing here); nsize 0 frees. Lua 5.4 copes with a failed shrink, so
// running out of memory is a plain NULL everywhere.
//
// Small blocks go back to their free list, not to malloc, until the heap is
// destroyed: a state keeps the peak of its small live objects (a script that
// once built a million-entry table keeps those entries' worth of chunks).
//
// Under AddressSanitizer a chunk's free and unused parts are poisoned and
// each block is unpoisoned to exactly its requested size, so overflows past
// a Lua object still trap; but a freed block is reused at once, without
// ASan's quarantine, so LuaHeap::Allocator() returns plain malloc there (see
// lua_heap.cc) and only the heap's own tests run it under ASan.
#pragma once

#include <cstddef>

namespace rp::logic {

class LuaHeap {
 public:
  // A lua_Alloc: `ud` is the LuaHeap.
  using AllocFunction = void* (*)(void* ud, void* ptr, size_t osize, size_t nsize);

  LuaHeap() = default;
  LuaHeap(const LuaHeap&) = delete;
  LuaHeap& operator=(const LuaHeap&) = delete;
  ~LuaHeap();  // after lua_close: frees the chunks, and with them every small block

  // What lua_newstate should use with this heap as `ud`: Alloc, or under
  // AddressSanitizer a plain realloc/free (which ignores the heap).
  static AllocFunction Allocator();
  static void* Alloc(void* ud, void* ptr, size_t osize, size_t nsize);

  // Blocks up to this size come from the free lists.
  static constexpr size_t kMaxSmall = 512;

 private:
  static constexpr size_t kGranule = 16;  // block sizes and alignment (malloc's on x86-64 and arm64)
  static constexpr size_t kClasses = kMaxSmall / kGranule;
  static constexpr size_t kChunkBytes = 64 * 1024;

  struct FreeBlock {
    FreeBlock* next;
  };

  static size_t ClassOf(size_t size) { return (size - 1) / kGranule; }
  static size_t ClassBytes(size_t c) { return (c + 1) * kGranule; }

  void* AllocateSmall(size_t size);
  void* AllocateFromChunk(size_t c, size_t size);
  void FreeSmall(void* block, size_t size);
  bool NewChunk();

  FreeBlock* free_[kClasses] = {};
  char* cursor_ = nullptr;  // the current chunk's unused tail
  char* limit_ = nullptr;
  void* chunks_ = nullptr;  // the newest; each starts with a pointer to the one before
};

}  // namespace rp::logic
