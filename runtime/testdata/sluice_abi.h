/* sluice_abi.h: the host side of Sluice ABI v1 as a C guest sees it, written
 * by hand from sdk/ABI.md (no SDK) so these test modules also check the
 * document. Little-endian readers and a growable output buffer. */
#ifndef SLUICE_ABI_H
#define SLUICE_ABI_H
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define SLUICE_IMPORT(name) __attribute__((import_module("sluice"), import_name(name)))
#define SLUICE_EXPORT(name) __attribute__((export_name(name)))

SLUICE_IMPORT("set_output") void sluice_set_output(const void *ptr, uint32_t len);
SLUICE_IMPORT("log") void sluice_log(int32_t level, const void *ptr, uint32_t len);
SLUICE_IMPORT("kv_get") int32_t sluice_kv_get(const void *bucket, uint32_t bucket_len,
                                              const void *key, uint32_t key_len,
                                              void *out, uint32_t out_cap);

SLUICE_EXPORT("sluice_abi_version_1") void sluice_abi_version_1(void) {}

static uint8_t *in_buf;
static uint32_t in_cap;

SLUICE_EXPORT("sluice_alloc") void *sluice_alloc(uint32_t size) {
  if (size > in_cap) {
    free(in_buf);
    in_buf = malloc(size);
    in_cap = in_buf ? size : 0;
  }
  return in_buf;
}

/* reader over the encoded batch; ok drops to 0 on a short read */
typedef struct { const uint8_t *p, *end; int ok; } rd;
static uint32_t rd_u32(rd *r) {
  if (r->end - r->p < 4) { r->ok = 0; return 0; }
  uint32_t v = r->p[0] | r->p[1] << 8 | r->p[2] << 16 | (uint32_t)r->p[3] << 24;
  r->p += 4;
  return v;
}
static int64_t rd_i64(rd *r) {
  uint64_t lo = rd_u32(r), hi = rd_u32(r);
  return (int64_t)(lo | hi << 32);
}
static uint8_t rd_u8(rd *r) {
  if (r->p >= r->end) { r->ok = 0; return 0; }
  return *r->p++;
}
static const uint8_t *rd_bytes(rd *r, uint32_t *n) {
  *n = rd_u32(r);
  if (!r->ok || (uint32_t)(r->end - r->p) < *n) { r->ok = 0; *n = 0; return 0; }
  const uint8_t *s = r->p;
  r->p += *n;
  return s;
}

/* growable writer for the response */
static uint8_t *out_buf;
static uint32_t out_len, out_cap;
static void wr_reserve(uint32_t n) {
  if (out_len + n <= out_cap) return;
  uint32_t c = out_cap ? out_cap : 4096;
  while (c < out_len + n) c *= 2;
  out_buf = realloc(out_buf, c);
  out_cap = c;
}
static void wr_u32(uint32_t v) {
  wr_reserve(4);
  uint8_t *p = out_buf + out_len;
  p[0] = v; p[1] = v >> 8; p[2] = v >> 16; p[3] = v >> 24;
  out_len += 4;
}
static void wr_u8(uint8_t v) { wr_reserve(1); out_buf[out_len++] = v; }
static uint8_t *wr_bytes(const void *s, uint32_t n) {
  wr_u32(n);
  wr_reserve(n);
  uint8_t *dst = out_buf + out_len;
  if (s) memcpy(dst, s, n);
  out_len += n;
  return dst;
}
static void wr_str(const char *s) { wr_bytes(s, strlen(s)); }

/* one decoded input record */
typedef struct {
  const uint8_t *id, *data;
  uint32_t id_len, data_len;
  int64_t arrival;
  int has_kinesis;
  const uint8_t *partition_key;
  uint32_t partition_key_len;
  int64_t subsequence;
} record;

/* reads the batch header; returns the record count or -1 */
static int32_t read_header(rd *r) {
  uint32_t n;
  if (rd_u32(r) != 0x31424C53) return -1;
  for (int i = 0; i < 4; i++) rd_bytes(r, &n);
  uint32_t count = rd_u32(r);
  return r->ok ? (int32_t)count : -1;
}

static int read_record(rd *r, record *rec) {
  uint32_t n;
  rec->id = rd_bytes(r, &rec->id_len);
  rec->arrival = rd_i64(r);
  uint8_t flags = rd_u8(r);
  rec->has_kinesis = flags & 1;
  rec->partition_key = 0;
  rec->partition_key_len = 0;
  rec->subsequence = 0;
  if (rec->has_kinesis) {
    rd_bytes(r, &n);
    rec->partition_key = rd_bytes(r, &rec->partition_key_len);
    rd_bytes(r, &n);
    rec->subsequence = rd_i64(r);
    rd_i64(r);
  }
  rec->data = rd_bytes(r, &rec->data_len);
  return r->ok;
}

/* fails the batch with a guest error message */
static int32_t guest_error(const char *msg) {
  sluice_set_output(msg, strlen(msg));
  return 1;
}
#endif
