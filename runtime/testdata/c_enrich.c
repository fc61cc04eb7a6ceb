/* c_enrich: each record's data is "bucket/key"; the answer's data is the
 * value of key in the JetStream KV bucket (read with kv_get, starting with
 * a deliberately small buffer to exercise the "n > out_cap" retry), or
 * "rc=<code>" when kv_get returns a negative code. Every lookup is logged
 * at info level; records whose data is "fail" come back ProcessingFailed. */
#include "sluice_abi.h"
#include <stdio.h>

static char *val;
static uint32_t val_cap = 4;

SLUICE_EXPORT("sluice_transform") int32_t sluice_transform(const uint8_t *ptr, uint32_t len) {
  rd r = {ptr, ptr + len, 1};
  int32_t count = read_header(&r);
  if (count < 0) return guest_error("bad batch header");
  if (!val) val = malloc(val_cap);
  out_len = 0;
  wr_u32(0x31524C53);
  wr_u32(count);
  record rec;
  for (int32_t i = 0; i < count; i++) {
    if (!read_record(&r, &rec)) return guest_error("truncated batch");
    wr_bytes(rec.id, rec.id_len);
    if (rec.data_len == 4 && memcmp(rec.data, "fail", 4) == 0) {
      wr_u8(2);
      wr_bytes(0, 0);
      wr_u32(0);
      wr_str("record said fail");
      continue;
    }
    const uint8_t *slash = memchr(rec.data, '/', rec.data_len);
    uint32_t blen = slash ? (uint32_t)(slash - rec.data) : rec.data_len;
    const uint8_t *key = slash ? slash + 1 : rec.data + rec.data_len;
    uint32_t klen = rec.data_len - blen - (slash ? 1 : 0);
    int32_t n = sluice_kv_get(rec.data, blen, key, klen, val, val_cap);
    if (n > (int32_t)val_cap) {
      val_cap = n;
      val = realloc(val, val_cap);
      n = sluice_kv_get(rec.data, blen, key, klen, val, val_cap);
    }
    char msg[96];
    int mlen = snprintf(msg, sizeof msg, "lookup %.*s -> %d", (int)(rec.data_len > 60 ? 60 : rec.data_len), rec.data, n);
    sluice_log(1, msg, mlen);
    wr_u8(0);
    if (n >= 0) {
      wr_bytes(val, n);
    } else {
      char rc[16];
      int rlen = snprintf(rc, sizeof rc, "rc=%d", n);
      wr_bytes(rc, rlen);
    }
    wr_u32(0);
    wr_u32(0);
  }
  sluice_set_output(out_buf, out_len);
  return 0;
}
