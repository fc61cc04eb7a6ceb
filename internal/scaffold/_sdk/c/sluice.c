/*
 * sluice.c: the C guest SDK for Sluice ABI v1 (see sluice.h and sdk/ABI.md).
 *
 * One file on purpose: an author compiles it next to their transform. The
 * codec is plain C; only the three exports and the host imports depend on
 * the wasm target. On any other target the imports are ordinary extern
 * functions (sluice_host_*) that a native test provides.
 */
#include "sluice.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- host imports ---------------------------------------------------- */

#ifdef __wasm__
#define SLUICE_IMPORT(name) __attribute__((import_module("sluice"), import_name(name)))
#define SLUICE_EXPORT(name) __attribute__((export_name(name)))
#else
#define SLUICE_IMPORT(name)
#define SLUICE_EXPORT(name)
#endif

SLUICE_IMPORT("set_output") void sluice_host_set_output(const uint8_t *ptr, uint32_t len);
SLUICE_IMPORT("log") void sluice_host_log(int32_t level, const uint8_t *ptr, uint32_t len);
SLUICE_IMPORT("kv_get")
int32_t sluice_host_kv_get(const uint8_t *bucket, uint32_t bucket_len, const uint8_t *key,
                           uint32_t key_len, uint8_t *out, uint32_t out_cap);

/* ---- state ------------------------------------------------------------- */

#define BATCH_MAGIC 0x31424C53u    /* "SLB1" */
#define RESPONSE_MAGIC 0x31524C53u /* "SLR1" */
#define MIN_OUT_CAP 4096u

enum { ST_UNSET = 0, ST_OK = 1, ST_DROPPED = 2, ST_FAILED = 3 };

static uint8_t *in_buf;
static uint32_t in_cap;

static uint8_t *out_buf;
static uint32_t out_len, out_cap;
static int out_oom;

static char err_msg[512];
static uint32_t err_len;

/* ---- UTF-8 ------------------------------------------------------------- */

/* Length of the valid UTF-8 sequence at p (n bytes left), or 0 if invalid. */
static uint32_t utf8_seq(const uint8_t *p, uint32_t n) {
    uint8_t c = p[0];
    if (c < 0x80) return 1;
    if (c < 0xC2) return 0;
    if (c < 0xE0) return (n >= 2 && (p[1] & 0xC0) == 0x80) ? 2 : 0;
    if (c < 0xF0) {
        if (n < 3 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80) return 0;
        if (c == 0xE0 && p[1] < 0xA0) return 0; /* overlong */
        if (c == 0xED && p[1] >= 0xA0) return 0; /* surrogate */
        return 3;
    }
    if (c < 0xF5) {
        if (n < 4 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80 || (p[3] & 0xC0) != 0x80)
            return 0;
        if (c == 0xF0 && p[1] < 0x90) return 0; /* overlong */
        if (c == 0xF4 && p[1] >= 0x90) return 0; /* above U+10FFFF */
        return 4;
    }
    return 0;
}

int sluice_utf8_valid(const uint8_t *p, uint32_t len) {
    uint32_t i = 0;
    while (i < len) {
        uint32_t k = utf8_seq(p + i, len - i);
        if (k == 0) return 0;
        i += k;
    }
    return 1;
}

/* ---- output buffer ----------------------------------------------------- */

static uint8_t *out_reserve(uint32_t n) {
    if (out_oom) return NULL;
    if (n > UINT32_MAX - out_len) {
        out_oom = 1;
        return NULL;
    }
    uint32_t need = out_len + n;
    if (need > out_cap) {
        uint32_t cap = out_cap < MIN_OUT_CAP ? MIN_OUT_CAP : out_cap;
        while (cap < need) cap = cap > UINT32_MAX / 2 ? need : cap * 2;
        uint8_t *p = realloc(out_buf, cap);
        if (p == NULL) {
            out_oom = 1;
            return NULL;
        }
        out_buf = p;
        out_cap = cap;
    }
    uint8_t *p = out_buf + out_len;
    out_len = need;
    return p;
}

static void le32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static int put_u8(uint8_t v) {
    uint8_t *p = out_reserve(1);
    if (p == NULL) return -1;
    *p = v;
    return 0;
}

static int put_u32(uint32_t v) {
    uint8_t *p = out_reserve(4);
    if (p == NULL) return -1;
    le32(p, v);
    return 0;
}

static int put_bytes(const void *data, uint32_t len) {
    if (put_u32(len) != 0) return -1;
    uint8_t *p = out_reserve(len);
    if (p == NULL) return -1;
    if (len) memcpy(p, data, len);
    return 0;
}

/* ---- answers ----------------------------------------------------------- */

static void result_reset(sluice_result *out) {
    out_len = out->start;
    out->state = ST_UNSET;
    out->data_len_at = 0;
    out->pk_count_at = 0;
    out->pk_count = 0;
}

int sluice_result_fail_n(sluice_result *out, const char *message, uint32_t len) {
    const uint8_t *m = (const uint8_t *)message;
    result_reset(out);
    out->state = ST_FAILED;
    if (put_u8(SLUICE_PROCESSING_FAILED) || put_u32(0) || put_u32(0) || put_u32(len)) return -1;
    uint8_t *p = out_reserve(len);
    if (p == NULL) return -1;
    uint32_t i = 0;
    while (i < len) { /* copy, replacing invalid UTF-8 bytes with '?' */
        uint32_t k = utf8_seq(m + i, len - i);
        if (k == 0) {
            p[i++] = '?';
        } else {
            memcpy(p + i, m + i, k);
            i += k;
        }
    }
    return 0;
}

int sluice_result_fail(sluice_result *out, const char *message) {
    return sluice_result_fail_n(out, message, message ? (uint32_t)strlen(message) : 0);
}

int sluice_result_ok(sluice_result *out, const void *data, uint32_t len) {
    result_reset(out);
    if (put_u8(SLUICE_OK) != 0) return -1;
    out->data_len_at = out_len;
    if (put_bytes(data, len) != 0) return -1;
    out->state = ST_OK;
    return 0;
}

int sluice_result_ok_append(sluice_result *out, const void *data, uint32_t len) {
    if (out->state != ST_OK && sluice_result_ok(out, NULL, 0) != 0) return -1;
    if (out->pk_count_at != 0) {
        sluice_result_fail(out, "sluice_result_ok_append after a partition key");
        return -1;
    }
    const uint8_t *l = out_buf + out->data_len_at;
    uint32_t cur = (uint32_t)l[0] | (uint32_t)l[1] << 8 | (uint32_t)l[2] << 16 | (uint32_t)l[3] << 24;
    uint8_t *p = out_reserve(len);
    if (p == NULL) return -1;
    if (len) memcpy(p, data, len);
    le32(out_buf + out->data_len_at, cur + len);
    return 0;
}

int sluice_result_add_partition_key(sluice_result *out, const char *key, const char *value) {
    if (out->state != ST_OK) {
        sluice_result_fail(out, "partition key added to a result that is not Ok");
        return -1;
    }
    uint32_t kl = (uint32_t)strlen(key), vl = (uint32_t)strlen(value);
    if (!sluice_utf8_valid((const uint8_t *)key, kl) || !sluice_utf8_valid((const uint8_t *)value, vl)) {
        sluice_result_fail(out, "partition key or value is not UTF-8");
        return -1;
    }
    if (out->pk_count_at == 0) {
        out->pk_count_at = out_len;
        if (put_u32(0) != 0) return -1;
    }
    if (put_bytes(key, kl) || put_bytes(value, vl)) return -1;
    out->pk_count++;
    le32(out_buf + out->pk_count_at, out->pk_count);
    return 0;
}

int sluice_result_drop(sluice_result *out) {
    result_reset(out);
    if (put_u8(SLUICE_DROPPED) || put_u32(0)) return -1;
    out->state = ST_DROPPED;
    return 0;
}

/* Writes v in decimal at d (room for 10 digits); returns the digit count. */
static uint32_t dec_u32(char *d, uint32_t v) {
    char t[10];
    uint32_t n = 0, i = 0;
    do {
        t[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n) d[i++] = t[--n];
    return i;
}

/* Writes what an answer still lacks after the author's function returned. */
static void result_finish(sluice_result *out, int rc) {
    if (rc != 0 && out->state != ST_FAILED) {
        char m[40] = "transform returned ";
        uint32_t n = 19;
        if (rc < 0) m[n++] = '-';
        n += dec_u32(m + n, rc < 0 ? 0u - (uint32_t)rc : (uint32_t)rc);
        sluice_result_fail_n(out, m, n);
    }
    switch (out->state) {
    case ST_OK:
        if (out->pk_count_at == 0) put_u32(0);
        put_u32(0); /* error_message "" */
        break;
    case ST_DROPPED:
        put_u32(0); /* partition keys */
        put_u32(0); /* error_message "" */
        break;
    case ST_FAILED:
        break;
    default:
        sluice_result_fail(out, "transform gave no result");
    }
}

/* ---- batch decoding ---------------------------------------------------- */

typedef struct {
    const uint8_t *p;
    uint32_t len, off;
    const char *what; /* set on the first error */
    uint32_t err_off;
} reader;

static int rd_fail(reader *r, const char *what) {
    if (r->what == NULL) {
        r->what = what;
        r->err_off = r->off;
    }
    return -1;
}

static int rd_u32(reader *r, uint32_t *v, const char *what) {
    if (r->what || r->len - r->off < 4) return rd_fail(r, what);
    const uint8_t *p = r->p + r->off;
    *v = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    r->off += 4;
    return 0;
}

static int rd_i64(reader *r, int64_t *v, const char *what) {
    uint32_t lo, hi;
    if (r->what || r->len - r->off < 8) return rd_fail(r, what);
    rd_u32(r, &lo, what);
    rd_u32(r, &hi, what);
    *v = (int64_t)((uint64_t)hi << 32 | lo);
    return 0;
}

static int rd_u8(reader *r, uint8_t *v, const char *what) {
    if (r->what || r->len - r->off < 1) return rd_fail(r, what);
    *v = r->p[r->off++];
    return 0;
}

static int rd_bytes(reader *r, sluice_bytes *b, const char *what) {
    uint32_t n;
    if (rd_u32(r, &n, what) != 0) return -1;
    if (n > r->len - r->off) {
        r->off -= 4; /* report the offset of the length */
        return rd_fail(r, what);
    }
    b->ptr = r->p + r->off;
    b->len = n;
    r->off += n;
    return 0;
}

static int rd_string(reader *r, sluice_bytes *b, const char *what) {
    uint32_t at = r->off;
    if (rd_bytes(r, b, what) != 0) return -1;
    if (!sluice_utf8_valid(b->ptr, b->len)) {
        r->off = at;
        return rd_fail(r, what);
    }
    return 0;
}

static int decode_record(reader *r, sluice_record *rec) {
    uint8_t flags;
    memset(rec, 0, sizeof *rec);
    if (rd_string(r, &rec->record_id, "record_id") || rd_i64(r, &rec->approximate_arrival_timestamp, "approximate_arrival_timestamp") ||
        rd_u8(r, &flags, "flags"))
        return -1;
    if (flags & ~1u) {
        r->off -= 1;
        return rd_fail(r, "flags");
    }
    if (flags & 1u) {
        sluice_kinesis_metadata *k = &rec->kinesis;
        rec->has_kinesis = 1;
        if (rd_string(r, &k->shard_id, "shard_id") || rd_string(r, &k->partition_key, "partition_key") ||
            rd_string(r, &k->sequence_number, "sequence_number") ||
            rd_i64(r, &k->subsequence_number, "subsequence_number") ||
            rd_i64(r, &k->approximate_arrival_timestamp, "kinesis approximate_arrival_timestamp"))
            return -1;
    }
    return rd_bytes(r, &rec->data, "data");
}

/* ---- messages ---------------------------------------------------------- */

static void msg_reset(void) { err_len = 0; }

static void msg_add(const char *s) {
    while (*s && err_len < sizeof err_msg - 1) err_msg[err_len++] = *s++;
}

static void msg_add_u32(uint32_t v) {
    char d[11];
    d[dec_u32(d, v)] = 0;
    msg_add(d);
}

void sluice_batch_error(const char *message) {
    msg_reset();
    msg_add(message ? message : "");
}

static int fail_batch(const uint8_t **out, uint32_t *len) {
    /* The message must be UTF-8: replace anything else. */
    uint32_t i = 0;
    while (i < err_len) {
        uint32_t k = utf8_seq((const uint8_t *)err_msg + i, err_len - i);
        if (k == 0) err_msg[i++] = '?';
        else i += k;
    }
    *out = (const uint8_t *)err_msg;
    *len = err_len;
    return 1;
}

static int malformed(reader *r, const uint8_t **out, uint32_t *len) {
    msg_reset();
    msg_add("malformed batch: ");
    msg_add(r->what);
    msg_add(" at byte ");
    msg_add_u32(r->err_off);
    return fail_batch(out, len);
}

/* ---- the batch loop ---------------------------------------------------- */

int sluice_run_batch(const sluice_handlers *h, const uint8_t *in, uint32_t in_len,
                     const uint8_t **out, uint32_t *out_len_p) {
    reader r = {in, in_len, 0, NULL, 0};
    sluice_batch b;
    uint32_t magic;

    memset(&b, 0, sizeof b);
    out_len = 0;
    out_oom = 0;
    if (rd_u32(&r, &magic, "magic") != 0) return malformed(&r, out, out_len_p);
    if (magic != BATCH_MAGIC) {
        r.off = 0;
        rd_fail(&r, "magic");
        return malformed(&r, out, out_len_p);
    }
    if (rd_string(&r, &b.invocation_id, "invocation_id") ||
        rd_string(&r, &b.delivery_stream_arn, "delivery_stream_arn") ||
        rd_string(&r, &b.region, "region") || rd_string(&r, &b.source_stream_arn, "source_stream_arn") ||
        rd_u32(&r, &b.record_count, "record_count"))
        return malformed(&r, out, out_len_p);

    if (h == NULL || h->on_record == NULL) {
        msg_reset();
        msg_add("no transform registered (SLUICE_TRANSFORM missing)");
        return fail_batch(out, out_len_p);
    }
    if (h->on_batch != NULL) {
        msg_reset();
        int rc = h->on_batch(&b);
        if (rc != 0) {
            if (err_len == 0) {
                msg_add("batch function returned ");
                if (rc < 0) msg_add("-");
                msg_add_u32(rc < 0 ? 0u - (uint32_t)rc : (uint32_t)rc);
            }
            return fail_batch(out, out_len_p);
        }
    }

    put_u32(RESPONSE_MAGIC);
    put_u32(b.record_count);
    for (uint32_t i = 0; i < b.record_count; i++) {
        sluice_record rec;
        sluice_result res;
        if (decode_record(&r, &rec) != 0) return malformed(&r, out, out_len_p);
        if (put_bytes(rec.record_id.ptr, rec.record_id.len) != 0) break;
        memset(&res, 0, sizeof res);
        res.start = out_len;
        result_finish(&res, h->on_record(&rec, &res));
        if (out_oom) break;
    }
    if (out_oom) {
        msg_reset();
        msg_add("out of memory encoding the response");
        return fail_batch(out, out_len_p);
    }
    if (r.off != r.len) {
        rd_fail(&r, "bytes left over after the last record");
        return malformed(&r, out, out_len_p);
    }
    *out = out_buf;
    *out_len_p = out_len;
    return 0;
}

/* ---- host services ----------------------------------------------------- */

void sluice_log(int level, const char *message) {
    sluice_host_log(level, (const uint8_t *)message, (uint32_t)strlen(message));
}

void sluice_logf(int level, const char *format, ...) {
    char buf[1024];
    va_list ap;
    va_start(ap, format);
    int n = vsnprintf(buf, sizeof buf, format, ap);
    va_end(ap);
    if (n < 0) return;
    if ((size_t)n >= sizeof buf) n = sizeof buf - 1;
    sluice_host_log(level, (const uint8_t *)buf, (uint32_t)n);
}

static uint8_t *kv_buf;
static uint32_t kv_cap;

int sluice_kv_get(const char *bucket, const char *key, const uint8_t **value, uint32_t *len) {
    uint32_t bl = (uint32_t)strlen(bucket), kl = (uint32_t)strlen(key);
    if (kv_buf == NULL) {
        kv_buf = malloc(256);
        if (kv_buf == NULL) return SLUICE_KV_NO_MEMORY;
        kv_cap = 256;
    }
    for (;;) { /* the value may grow between two calls: loop until it fits */
        int32_t n = sluice_host_kv_get((const uint8_t *)bucket, bl, (const uint8_t *)key, kl, kv_buf, kv_cap);
        if (n < 0) return n < SLUICE_KV_FAILED ? SLUICE_KV_FAILED : n;
        if ((uint32_t)n <= kv_cap) {
            *value = kv_buf;
            *len = (uint32_t)n;
            return SLUICE_KV_FOUND;
        }
        uint8_t *p = realloc(kv_buf, (uint32_t)n);
        if (p == NULL) return SLUICE_KV_NO_MEMORY;
        kv_buf = p;
        kv_cap = (uint32_t)n;
    }
}

const char *sluice_param(const char *name) { return getenv(name); }

/* ---- exports ----------------------------------------------------------- */

extern const sluice_handlers sluice_registered_handlers;

SLUICE_EXPORT("sluice_abi_version_1") void sluice_abi_version_1(void) {}

SLUICE_EXPORT("sluice_alloc") uint8_t *sluice_alloc(uint32_t size) {
    if (size == 0) size = 1;
    if (size > in_cap) {
        free(in_buf);
        in_buf = malloc(size);
        in_cap = in_buf ? size : 0;
    }
    return in_buf;
}

SLUICE_EXPORT("sluice_transform") int32_t sluice_transform(const uint8_t *ptr, uint32_t len) {
    const uint8_t *out;
    uint32_t n;
    int rc = sluice_run_batch(&sluice_registered_handlers, ptr, len, &out, &n);
    sluice_host_set_output(out, n);
    return rc;
}
