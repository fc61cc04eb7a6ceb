/*
 * upper.c: the C SDK's benchmark transform. It ASCII-upper-cases each
 * record's data, in chunks appended straight to the answer, and answers Ok.
 */
#include "sluice.h"

enum { chunk = 512 };

static int upper(const sluice_record *in, sluice_result *out) {
    unsigned char buf[chunk];
    uint32_t done = 0;
    /* An empty record still answers Ok, with empty data. */
    if (sluice_result_ok(out, "", 0) != 0) return -1;
    while (done < in->data.len) {
        uint32_t n = in->data.len - done;
        if (n > chunk) n = chunk;
        for (uint32_t i = 0; i < n; i++) {
            unsigned char c = in->data.ptr[done + i];
            buf[i] = (c >= 'a' && c <= 'z') ? (unsigned char)(c - 'a' + 'A') : c;
        }
        if (sluice_result_ok_append(out, buf, n) != 0) return -1;
        done += n;
    }
    return 0;
}

SLUICE_TRANSFORM(upper)
