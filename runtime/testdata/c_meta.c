/* c_meta: shows what the host told it about each record: the answer's data
 * is "<record id>|<partition key>|<subsequence number>|<DATA>", the data
 * upper-cased, so tests can see which record ids, partition keys and
 * subsequence numbers (kinesisRecordMetadata) a transform gets. */
#include "sluice_abi.h"

SLUICE_EXPORT("sluice_transform") int32_t sluice_transform(const uint8_t *ptr, uint32_t len) {
  rd r = {ptr, ptr + len, 1};
  int32_t count = read_header(&r);
  if (count < 0) return guest_error("bad batch header");
  out_len = 0;
  wr_u32(0x31524C53);
  wr_u32(count);
  record rec;
  for (int32_t i = 0; i < count; i++) {
    if (!read_record(&r, &rec)) return guest_error("truncated batch");
    wr_bytes(rec.id, rec.id_len);
    wr_u8(0);
    char sub[24];
    int k = sizeof sub;
    uint64_t s = (uint64_t)rec.subsequence;
    sub[--k] = 0;
    do { sub[--k] = '0' + s % 10; s /= 10; } while (s);
    uint32_t sub_len = sizeof sub - 1 - k;
    uint32_t n = rec.id_len + 1 + rec.partition_key_len + 1 + sub_len + 1 + rec.data_len;
    uint8_t *d = wr_bytes(0, n);
    memcpy(d, rec.id, rec.id_len);
    d += rec.id_len;
    *d++ = '|';
    memcpy(d, rec.partition_key, rec.partition_key_len);
    d += rec.partition_key_len;
    *d++ = '|';
    memcpy(d, sub + k, sub_len);
    d += sub_len;
    *d++ = '|';
    for (uint32_t j = 0; j < rec.data_len; j++) {
      uint8_t c = rec.data[j];
      *d++ = c >= 'a' && c <= 'z' ? c - 32 : c;
    }
    wr_u32(0);
    wr_u32(0);
  }
  if (r.p != r.end) return guest_error("bytes after the last record");
  sluice_set_output(out_buf, out_len);
  return 0;
}
