/* reprocessor logic plugins: the C ABI (version 1).
 *
 * A plugin is a shared library holding a business logic for `stream`,
 * `reprocess` and `transform` (`--logic plugin:PATH`). Plain C99, usable from
 * C and C++; the host includes nothing else from the plugin.
 *
 * ENTRY. A plugin exports exactly one symbol, a function:
 *
 *   RP_LOGIC_PLUGIN_EXPORT const rp_logic_plugin* reprocessor_logic_plugin(void);
 *
 * returning a table of function pointers that lives as long as the library
 * (a static const object). Its first member, `abi_version`, must be
 * RP_LOGIC_PLUGIN_ABI_VERSION as seen by the plugin when it was compiled.
 *
 * VERSIONING. The entry symbol's name never changes; the version is in the
 * table. The host reads `abi_version` first and refuses to start (exit 2,
 * one error line) when it differs from its own RP_LOGIC_PLUGIN_ABI_VERSION,
 * when the symbol is missing, or when a function pointer is NULL. Any change
 * to a struct or a function of this header bumps the version: rebuild a
 * plugin against the header of the reprocessor that loads it.
 *
 * LIFE CYCLE. The host dlopen()s the library (RTLD_NOW | RTLD_LOCAL) once per
 * logic instance it needs, calls create() with the `--logic-option
 * name=value` pairs, calls apply_batch() any number of times, then
 * destroy(), then dlclose(). A plugin must free everything it allocated by
 * the time destroy() returns and leave no thread of its own running.
 * Only `--logic-option` pairs reach a plugin: the built-in visits logic's
 * `--timezone`, `--strict` and the Lua `--logic-timeout-ms` do not.
 *
 * THREADS. One instance is used by one thread at a time: the host never
 * calls apply_batch() or destroy() on an instance concurrently with another
 * call on that instance (each job thread creates its own instance).
 * Different instances may be created, used and destroyed on different
 * threads at the same time, so state shared between instances (globals) needs
 * the plugin's own synchronisation. reprocessor_logic_plugin() may be called
 * from any thread, more than once.
 *
 * MEMORY. Whoever allocates frees; nothing crosses the boundary to be freed
 * by the other side.
 *  - Inputs (records, their bytes, headers and the options of create) belong
 *    to the host and are valid only during the call that receives them. A
 *    plugin must not modify them or keep pointers into them after returning.
 *  - The `out` array of apply_batch belongs to the host (n entries). Every
 *    byte an output points to (value, key, headers, reason, detail) belongs
 *    to the plugin, or to the input of the same call, and must stay valid and
 *    unchanged until the next apply_batch() or destroy() on the same
 *    instance; the host copies what it needs before making either call.
 *    A per-instance buffer reused from call to call is the usual way.
 *  - create() writes its error message into the host's buffer `error`
 *    (`error_size` bytes, NUL-terminated, truncated if need be).
 *
 * FAILURES. A plugin reports a bad record by rejecting it (the job
 * dead-letters it with the reason and detail, and goes on). It must not let
 * a C++ exception or a longjmp cross the ABI, call exit(), or crash: it runs
 * inside the job's process, without a sandbox or a per-record time limit.
 */
#ifndef REPROCESSOR_LOGIC_PLUGIN_H
#define REPROCESSOR_LOGIC_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The version of this header; the plugin reports it in rp_logic_plugin. */
#define RP_LOGIC_PLUGIN_ABI_VERSION 1u

/* The name of the one symbol a plugin exports. */
#define RP_LOGIC_PLUGIN_ENTRY "reprocessor_logic_plugin"

/* Marks the entry function for export, also when the plugin is compiled with
 * -fvisibility=hidden (recommended: nothing else needs to be visible). */
#if defined(__GNUC__) || defined(__clang__)
#define RP_LOGIC_PLUGIN_EXPORT __attribute__((visibility("default")))
#else
#define RP_LOGIC_PLUGIN_EXPORT
#endif

/* Bytes that may be null: a Kafka value or key (null: a tombstone, no key),
 * a header value (null: a header without a value). `data` is not
 * NUL-terminated and may be NULL when `size` is 0. When `is_null` is
 * nonzero, `data` and `size` mean nothing. */
typedef struct rp_bytes {
  const char* data;
  size_t size;
  int32_t is_null;
} rp_bytes;

/* A record header. `name` is never null (is_null is 0). */
typedef struct rp_header {
  rp_bytes name;
  rp_bytes value;
} rp_header;

/* A record as it arrived (from Kafka, the raw table, or stdin). */
typedef struct rp_input_record {
  rp_bytes value;
  rp_bytes key;
  const rp_header* headers; /* header_count entries, in the record's order */
  size_t header_count;
  rp_bytes topic; /* never null */
  int32_t partition;
  int64_t offset;
  int64_t timestamp_ms; /* the Kafka timestamp, epoch milliseconds; -1 when unknown */
} rp_input_record;

/* What became of a record: rp_output_record.outcome. */
enum {
  RP_OUTCOME_OUTPUT = 0,   /* value, key and headers are the output record */
  RP_OUTCOME_FILTERED = 1, /* dropped on purpose: counted, not dead-lettered */
  RP_OUTCOME_REJECTED = 2  /* dead-lettered with reason and detail */
};

/* One record's result. Before apply_batch, the host sets every out[i] to
 * "the input unchanged": outcome RP_OUTCOME_OUTPUT; value, key, headers and
 * header_count those of in[i] (pointing to the input's bytes); reason and
 * detail null. A plugin changes only what it changes. */
typedef struct rp_output_record {
  int32_t outcome; /* RP_OUTCOME_* */
  rp_bytes value;
  rp_bytes key;
  const rp_header* headers; /* replace the whole list (the jobs add their own source headers) */
  size_t header_count;
  /* RP_OUTCOME_REJECTED only: a short stable name such as "invalid_json"
   * (null or empty: "plugin_rejected"), and human-readable text (may be
   * null). Both go into dead-letter headers: invalid UTF-8 is replaced and
   * the detail is cut to 500 code points. */
  rp_bytes reason;
  rp_bytes detail;
} rp_output_record;

/* A `--logic-option name=value` pair, both NUL-terminated. */
typedef struct rp_option {
  const char* name;
  const char* value;
} rp_option;

typedef struct rp_logic_plugin {
  /* RP_LOGIC_PLUGIN_ABI_VERSION. Always the first member, in every version. */
  uint32_t abi_version;

  /* A new instance for the given options (`option_count` pairs, sorted by
   * name, each name once). On failure (an unknown option, a bad value) it
   * writes one line into `error` and returns NULL: the host then exits 2
   * with that message. */
  void* (*create)(const rp_option* options, size_t option_count, char* error, size_t error_size);

  /* Frees an instance and everything it owns. */
  void (*destroy)(void* instance);

  /* Applies the logic to `n` records (n >= 1): in[i] gives out[i]. See
   * rp_output_record for the initial contents of `out` and MEMORY above for
   * how long outputs must stay valid. The host may pass batches of any size
   * (currently it passes one record per call). */
  void (*apply_batch)(void* instance, const rp_input_record* in, size_t n, rp_output_record* out);
} rp_logic_plugin;

/* The entry function's type, for the host's dlsym(). */
typedef const rp_logic_plugin* (*rp_logic_plugin_entry)(void);

/* Conveniences. */
static inline rp_bytes rp_bytes_of(const char* data, size_t size) {
  rp_bytes b;
  b.data = data;
  b.size = size;
  b.is_null = 0;
  return b;
}

static inline rp_bytes rp_bytes_null(void) {
  rp_bytes b;
  b.data = NULL;
  b.size = 0;
  b.is_null = 1;
  return b;
}

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* REPROCESSOR_LOGIC_PLUGIN_H */
