/* A logic plugin in plain C (include/reprocessor/logic_plugin.h):
 *
 *  - a null or empty value is dropped (filtered);
 *  - a value without a '{' is rejected (reason "not_an_object");
 *  - any other value is output upper-cased (ASCII letters), with the input's
 *    key, and a header `x-uppercased-by: <tag>` after the input's headers.
 *
 * Options (--logic-option name=value):
 *   tag=TEXT                 the added header's value (default "uppercase_page")
 *   keep_headers=true|false  keep the input's headers before it (default true)
 *
 * Build:  gcc -std=c99 -Wall -Wextra -O2 -fPIC -shared -fvisibility=hidden \
 *             -I include -o uppercase_page.so examples/plugins/uppercase_page.c
 * Run:    reprocessor transform --logic plugin:./uppercase_page.so --logic-option tag=demo
 */
#include <reprocessor/logic_plugin.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char kHeaderName[] = "x-uppercased-by";

typedef struct instance {
  char* tag;
  int keep_headers;
  /* The bytes of the last batch's outputs: they must stay valid until the
   * next call, so they live here and are reused from call to call. */
  char* values;
  size_t values_capacity; /* bytes */
  rp_header* headers;
  size_t headers_capacity; /* entries */
} instance;

static void* create(const rp_option* options, size_t option_count, char* error, size_t error_size) {
  const char* tag = "uppercase_page";
  int keep_headers = 1;
  size_t i;
  instance* self;
  for (i = 0; i < option_count; ++i) {
    const char* name = options[i].name;
    const char* value = options[i].value;
    if (strcmp(name, "tag") == 0) {
      tag = value;
    } else if (strcmp(name, "keep_headers") == 0) {
      if (strcmp(value, "true") == 0) {
        keep_headers = 1;
      } else if (strcmp(value, "false") == 0) {
        keep_headers = 0;
      } else {
        snprintf(error, error_size, "keep_headers must be true or false, got '%s'", value);
        return NULL;
      }
    } else {
      snprintf(error, error_size, "unknown option '%s' (uppercase_page takes tag and keep_headers)", name);
      return NULL;
    }
  }
  self = calloc(1, sizeof *self);
  if (self) self->tag = malloc(strlen(tag) + 1);
  if (!self || !self->tag) {
    free(self);
    snprintf(error, error_size, "out of memory");
    return NULL;
  }
  strcpy(self->tag, tag);
  self->keep_headers = keep_headers;
  return self;
}

static void destroy(void* p) {
  instance* self = p;
  free(self->tag);
  free(self->values);
  free(self->headers);
  free(self);
}

static void reject_all(const char* reason, size_t n, rp_output_record* out) {
  size_t i;
  for (i = 0; i < n; ++i) {
    out[i].outcome = RP_OUTCOME_REJECTED;
    out[i].reason = rp_bytes_of(reason, strlen(reason));
  }
}

static int has_brace(const rp_bytes* value) { return memchr(value->data, '{', value->size) != NULL; }

static void apply_batch(void* p, const rp_input_record* in, size_t n, rp_output_record* out) {
  instance* self = p;
  size_t i, value_bytes = 0, header_slots = 0;
  char* next_value;
  rp_header* next_header;

  /* Pass 1: how much room the batch's outputs need, so that no buffer moves
   * while pointers into it are handed out. */
  for (i = 0; i < n; ++i) {
    if (in[i].value.is_null || in[i].value.size == 0 || !has_brace(&in[i].value)) continue;
    value_bytes += in[i].value.size;
    header_slots += (self->keep_headers ? in[i].header_count : 0) + 1;
  }
  if (value_bytes > self->values_capacity) {
    char* grown = realloc(self->values, value_bytes);
    if (!grown) {
      reject_all("out_of_memory", n, out);
      return;
    }
    self->values = grown;
    self->values_capacity = value_bytes;
  }
  if (header_slots > self->headers_capacity) {
    rp_header* grown = realloc(self->headers, header_slots * sizeof(rp_header));
    if (!grown) {
      reject_all("out_of_memory", n, out);
      return;
    }
    self->headers = grown;
    self->headers_capacity = header_slots;
  }

  /* Pass 2: the outputs. out[i] starts as the input unchanged. */
  next_value = self->values;
  next_header = self->headers;
  for (i = 0; i < n; ++i) {
    const rp_input_record* r = &in[i];
    size_t j;
    if (r->value.is_null || r->value.size == 0) {
      out[i].outcome = RP_OUTCOME_FILTERED;
      continue;
    }
    if (!has_brace(&r->value)) {
      static const char kDetail[] = "the value has no '{'";
      out[i].outcome = RP_OUTCOME_REJECTED;
      out[i].reason = rp_bytes_of("not_an_object", 13);
      out[i].detail = rp_bytes_of(kDetail, sizeof kDetail - 1);
      continue;
    }
    for (j = 0; j < r->value.size; ++j) {
      char c = r->value.data[j];
      next_value[j] = (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
    }
    out[i].value = rp_bytes_of(next_value, r->value.size);
    next_value += r->value.size;

    /* The key stays as it is (out[i].key is the input's). */
    out[i].headers = next_header;
    if (self->keep_headers) {
      for (j = 0; j < r->header_count; ++j) *next_header++ = r->headers[j];
    }
    next_header->name = rp_bytes_of(kHeaderName, sizeof kHeaderName - 1);
    next_header->value = rp_bytes_of(self->tag, strlen(self->tag));
    ++next_header;
    out[i].header_count = (size_t)(next_header - out[i].headers);
  }
}

static const rp_logic_plugin kPlugin = {RP_LOGIC_PLUGIN_ABI_VERSION, create, destroy, apply_batch};

RP_LOGIC_PLUGIN_EXPORT const rp_logic_plugin* reprocessor_logic_plugin(void) { return &kPlugin; }
