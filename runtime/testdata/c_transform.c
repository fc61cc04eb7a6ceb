/* c_transform: identity (default) or, with -DUPPER, upper-cases every
 * record and adds the partition key "calls" = how many batches this
 * instance has seen (so tests can tell a reused instance from a new one). */
#include "sluice_abi.h"

static uint32_t calls;

SLUICE_EXPORT("sluice_transform") int32_t sluice_transform(const uint8_t *ptr, uint32_t len) {
  rd r = {ptr, ptr + len, 1};
  int32_t count = read_header(&r);
  if (count < 0) return guest_error("bad batch header");
  calls++;
  out_len = 0;
  wr_u32(0x31524C53);
  wr_u32(count);
  record rec;
  for (int32_t i = 0; i < count; i++) {
    if (!read_record(&r, &rec)) return guest_error("truncated batch");
    wr_bytes(rec.id, rec.id_len);
    wr_u8(0);
    uint8_t *d = wr_bytes(rec.data, rec.data_len);
#ifdef UPPER
    for (uint32_t j = 0; j < rec.data_len; j++)
      if (d[j] >= 'a' && d[j] <= 'z') d[j] -= 32;
    wr_u32(1);
    wr_str("calls");
    char num[12];
    int k = sizeof num;
    uint32_t c = calls;
    num[--k] = 0;
    do { num[--k] = '0' + c % 10; c /= 10; } while (c);
    wr_str(num + k);
#else
    (void)d;
    wr_u32(0);
#endif
    wr_u32(0);
  }
  if (r.p != r.end) return guest_error("bytes after the last record");
  sluice_set_output(out_buf, out_len);
  return 0;
}
