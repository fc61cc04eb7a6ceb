/* c_logflood: a hostile SDK-ABI v1 module that logs without bound on every
 * call: FLOOD_LINES lines through sluice.log, one line of 1 MiB, and
 * FLOOD_LINES lines each to stdout and to stderr (60,001 lines in all).
 * Then it answers every record Ok with its data unchanged: the host must
 * keep its own log bounded, and the call must still succeed. */
#include "sluice_abi.h"
#include <stdio.h>

#define FLOOD_LINES 20000

static char big[1 << 20];

SLUICE_EXPORT("sluice_transform") int32_t sluice_transform(const uint8_t *ptr, uint32_t len) {
  char msg[32];
  for (int i = 0; i < FLOOD_LINES; i++) {
    int n = snprintf(msg, sizeof msg, "log line %d", i);
    sluice_log(1, msg, n);
  }
  memset(big, 'x', sizeof big);
  sluice_log(2, big, sizeof big);
  for (int i = 0; i < FLOOD_LINES; i++) {
    printf("stdout line %d\n", i);
    fprintf(stderr, "stderr line %d\n", i);
  }
  fflush(stdout);
  fflush(stderr);

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
    wr_bytes(rec.data, rec.data_len);
    wr_u32(0);
    wr_u32(0);
  }
  sluice_set_output(out_buf, out_len);
  return 0;
}
