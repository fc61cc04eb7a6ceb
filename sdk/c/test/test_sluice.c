/*
 * Native tests of the C SDK: the exact byte layout of sdk/ABI.md (golden
 * bytes written out by hand from the spec), round trips through the codec,
 * malformed batches, the result helpers, and the exported entry points with
 * the host imports stubbed. Built and run by sdk/c/test.sh.
 */
#include "sluice.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;

#define CHECK(cond, ...)                                              \
    do {                                                              \
        if (!(cond)) {                                                \
            failures++;                                               \
            fprintf(stderr, "%s:%d: FAIL %s: ", __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                             \
            fprintf(stderr, "\n");                                    \
        }                                                             \
    } while (0)

/* ---- host import stubs (the wasm build imports these from "sluice") ---- */

static uint8_t stub_output[1 << 16];
static uint32_t stub_output_len;
static int stub_set_output_calls;

void sluice_host_set_output(const uint8_t *ptr, uint32_t len) {
    if (len > sizeof stub_output) abort();
    memcpy(stub_output, ptr, len);
    stub_output_len = len;
    stub_set_output_calls++;
}

static char stub_log[256];
static int stub_log_level = -1;

void sluice_host_log(int32_t level, const uint8_t *ptr, uint32_t len) {
    if (len >= sizeof stub_log) len = sizeof stub_log - 1;
    memcpy(stub_log, ptr, len);
    stub_log[len] = 0;
    stub_log_level = level;
}

static int stub_kv_calls;
static uint8_t stub_kv_value[1000];

int32_t sluice_host_kv_get(const uint8_t *bucket, uint32_t bl, const uint8_t *key, uint32_t kl,
                           uint8_t *out, uint32_t cap) {
    stub_kv_calls++;
    if (bl != 6 || memcmp(bucket, "prices", 6) != 0) return -2;
    if (kl == 3 && memcmp(key, "big", 3) == 0) {
        if (cap < sizeof stub_kv_value) return (int32_t)sizeof stub_kv_value;
        memcpy(out, stub_kv_value, sizeof stub_kv_value);
        return (int32_t)sizeof stub_kv_value;
    }
    if (kl == 5 && memcmp(key, "apple", 5) == 0) {
        memcpy(out, "1.25", 4);
        return 4;
    }
    if (kl == 4 && memcmp(key, "down", 4) == 0) return -7; /* out of spec: treated as failure */
    return -1;
}

/* ---- golden bytes, written from sdk/ABI.md ----------------------------- */

static const uint8_t golden_batch[] = {
    0x53, 0x4C, 0x42, 0x31,             /* magic "SLB1" */
    3, 0, 0, 0, 'i', 'n', 'v',          /* invocation_id */
    1, 0, 0, 0, 'd',                    /* delivery_stream_arn */
    1, 0, 0, 0, 'r',                    /* region */
    0, 0, 0, 0,                         /* source_stream_arn "" */
    2, 0, 0, 0,                         /* record_count */
    /* record 1 */
    1, 0, 0, 0, '1',                                /* record_id */
    0x00, 0x68, 0xE5, 0xCF, 0x8B, 0x01, 0x00, 0x00, /* 1700000000000 */
    0,                                              /* flags */
    2, 0, 0, 0, 'h', 'i',                           /* data */
    /* record 2 */
    1, 0, 0, 0, '2',
    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, /* -1 */
    1,                                              /* flags: kinesis metadata */
    1, 0, 0, 0, 's',                                /* shard_id */
    1, 0, 0, 0, 'k',                                /* partition_key */
    1, 0, 0, 0, '9',                                /* sequence_number */
    5, 0, 0, 0, 0, 0, 0, 0,                         /* subsequence_number */
    7, 0, 0, 0, 0, 0, 0, 0,                         /* kinesis arrival */
    0, 0, 0, 0,                                     /* data "" */
};

static const uint8_t golden_response[] = {
    0x53, 0x4C, 0x52, 0x31, /* magic "SLR1" */
    2, 0, 0, 0,             /* record_count */
    1, 0, 0, 0, '1',        /* record_id */
    0,                      /* Ok */
    2, 0, 0, 0, 'H', 'I',   /* data */
    1, 0, 0, 0,             /* partition_key_count */
    1, 0, 0, 0, 'a', 1, 0, 0, 0, 'b',
    0, 0, 0, 0,             /* error_message "" */
    1, 0, 0, 0, '2',
    1,                      /* Dropped */
    0, 0, 0, 0,             /* data */
    0, 0, 0, 0,             /* partition keys */
    0, 0, 0, 0,             /* error_message */
};

static int seen_kinesis_ok;

static int golden_fn(const sluice_record *in, sluice_result *out) {
    if (in->record_id.len == 1 && in->record_id.ptr[0] == '1') {
        CHECK(in->approximate_arrival_timestamp == 1700000000000LL, "ts %lld",
              (long long)in->approximate_arrival_timestamp);
        CHECK(!in->has_kinesis, "record 1 has no kinesis metadata");
        CHECK(in->data.len == 2 && memcmp(in->data.ptr, "hi", 2) == 0, "data");
        sluice_result_ok(out, "HI", 2);
        sluice_result_add_partition_key(out, "a", "b");
        return 0;
    }
    CHECK(in->approximate_arrival_timestamp == -1, "ts -1");
    CHECK(in->has_kinesis, "record 2 has kinesis metadata");
    CHECK(in->kinesis.shard_id.len == 1 && in->kinesis.shard_id.ptr[0] == 's', "shard");
    CHECK(in->kinesis.partition_key.len == 1 && in->kinesis.partition_key.ptr[0] == 'k', "pk");
    CHECK(in->kinesis.sequence_number.len == 1 && in->kinesis.sequence_number.ptr[0] == '9', "seq");
    CHECK(in->kinesis.subsequence_number == 5, "subseq");
    CHECK(in->kinesis.approximate_arrival_timestamp == 7, "kinesis ts");
    CHECK(in->data.len == 0, "empty data");
    seen_kinesis_ok = 1;
    return sluice_result_drop(out);
}

static void dump(const char *label, const uint8_t *p, uint32_t n) {
    fprintf(stderr, "%s (%u bytes):", label, n);
    for (uint32_t i = 0; i < n; i++) fprintf(stderr, " %02x", p[i]);
    fprintf(stderr, "\n");
}

static void test_golden(void) {
    sluice_handlers h = {NULL, golden_fn};
    const uint8_t *out;
    uint32_t n;
    int rc = sluice_run_batch(&h, golden_batch, sizeof golden_batch, &out, &n);
    CHECK(rc == 0, "rc %d: %.*s", rc, (int)n, out);
    CHECK(seen_kinesis_ok, "record 2 was seen");
    if (n != sizeof golden_response || memcmp(out, golden_response, n) != 0) {
        CHECK(0, "response differs from the golden bytes");
        dump("got ", out, n);
        dump("want", golden_response, sizeof golden_response);
    }
}

/* ---- a test-side encoder and decoder, independent of the SDK ----------- */

typedef struct {
    uint8_t *p;
    size_t len, cap;
} buf;

static void b_raw(buf *b, const void *d, size_t n) {
    if (b->len + n > b->cap) {
        b->cap = (b->len + n) * 2 + 64;
        b->p = realloc(b->p, b->cap);
    }
    if (n) memcpy(b->p + b->len, d, n);
    b->len += n;
}
static void b_u32(buf *b, uint32_t v) {
    uint8_t t[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    b_raw(b, t, 4);
}
static void b_i64(buf *b, int64_t v) {
    b_u32(b, (uint32_t)(uint64_t)v);
    b_u32(b, (uint32_t)((uint64_t)v >> 32));
}
static void b_str(buf *b, const void *d, uint32_t n) {
    b_u32(b, n);
    b_raw(b, d, n);
}
static void b_header(buf *b, uint32_t count) {
    b_u32(b, 0x31424C53u);
    b_str(b, "inv", 3);
    b_str(b, "arn:aws:firehose:us-east-1:1:deliverystream/x", 45);
    b_str(b, "us-east-1", 9);
    b_str(b, "", 0);
    b_u32(b, count);
}

static uint32_t g_u32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Answer decoded by the test. */
typedef struct {
    char id[32];
    int result;
    uint8_t *data;
    uint32_t data_len;
    uint32_t pk_count;
    char err[128];
} answer;

/* Decodes a response strictly; returns the number of answers or -1. */
static int decode_response(const uint8_t *p, uint32_t n, answer *a, int max) {
    uint32_t off = 8, cnt;
    if (n < 8 || g_u32(p) != 0x31524C53u) return -1;
    cnt = g_u32(p + 4);
    if ((int)cnt > max) return -1;
    for (uint32_t i = 0; i < cnt; i++) {
        uint32_t l;
#define NEED(k) if (n - off < (k)) return -1
        NEED(4); l = g_u32(p + off); off += 4; NEED(l);
        if (l >= sizeof a[i].id) return -1;
        memcpy(a[i].id, p + off, l); a[i].id[l] = 0; off += l;
        NEED(1); a[i].result = p[off++];
        if (a[i].result > 2) return -1;
        NEED(4); l = g_u32(p + off); off += 4; NEED(l);
        a[i].data = (uint8_t *)p + off; a[i].data_len = l; off += l;
        NEED(4); a[i].pk_count = g_u32(p + off); off += 4;
        for (uint32_t k = 0; k < 2 * a[i].pk_count; k++) {
            NEED(4); l = g_u32(p + off); off += 4; NEED(l); off += l;
        }
        NEED(4); l = g_u32(p + off); off += 4; NEED(l);
        if (l >= sizeof a[i].err) return -1;
        memcpy(a[i].err, p + off, l); a[i].err[l] = 0; off += l;
#undef NEED
    }
    return off == n ? (int)cnt : -1;
}

/* ---- round trip -------------------------------------------------------- */

/* Reverses the data; every 7th record is dropped, every 11th fails. */
static int reverse_fn(const sluice_record *in, sluice_result *out) {
    uint32_t id = 0; /* record ids are not NUL-terminated */
    for (uint32_t i = 0; i < in->record_id.len; i++) id = id * 10 + (uint32_t)(in->record_id.ptr[i] - '0');
    if (id % 7 == 3) return sluice_result_drop(out);
    if (id % 11 == 5) return sluice_result_fail(out, "eleven");
    uint8_t *r = malloc(in->data.len + 1);
    for (uint32_t i = 0; i < in->data.len; i++) r[i] = in->data.ptr[in->data.len - 1 - i];
    sluice_result_ok(out, r, in->data.len);
    free(r);
    if (id % 2) sluice_result_add_partition_key(out, "odd", "yes");
    return 0;
}

static void test_round_trip(void) {
    enum { N = 600 };
    static answer a[N];
    buf b = {0};
    sluice_handlers h = {NULL, reverse_fn};
    b_header(&b, N);
    for (uint32_t i = 0; i < N; i++) {
        char id[16];
        int l = snprintf(id, sizeof id, "%u", i);
        uint32_t dl = (i * 37) % 3000;
        uint8_t *d = malloc(dl + 1);
        for (uint32_t k = 0; k < dl; k++) d[k] = (uint8_t)(k * 13 + i);
        b_str(&b, id, (uint32_t)l);
        b_i64(&b, (int64_t)i * 1000);
        uint8_t flags = (uint8_t)(i % 2);
        b_raw(&b, &flags, 1);
        if (flags) {
            b_str(&b, "shardId-000000000001", 20);
            b_str(&b, "pk", 2);
            b_str(&b, "4960", 4);
            b_i64(&b, 0);
            b_i64(&b, 1);
        }
        b_str(&b, d, dl);
        free(d);
    }
    for (int pass = 0; pass < 2; pass++) { /* the second pass reuses the buffers */
        const uint8_t *out;
        uint32_t n;
        int rc = sluice_run_batch(&h, b.p, (uint32_t)b.len, &out, &n);
        CHECK(rc == 0, "rc %d", rc);
        int cnt = decode_response(out, n, a, N);
        CHECK(cnt == N, "decoded %d answers", cnt);
        for (int i = 0; i < cnt; i++) {
            char want[16];
            snprintf(want, sizeof want, "%d", i);
            CHECK(strcmp(a[i].id, want) == 0, "answer %d has id %s", i, a[i].id);
            if (i % 7 == 3) {
                CHECK(a[i].result == 1 && a[i].data_len == 0 && a[i].err[0] == 0, "dropped %d", i);
            } else if (i % 11 == 5) {
                CHECK(a[i].result == 2 && strcmp(a[i].err, "eleven") == 0, "failed %d: %s", i, a[i].err);
            } else {
                uint32_t dl = ((uint32_t)i * 37) % 3000;
                int same = a[i].data_len == dl;
                for (uint32_t k = 0; same && k < dl; k++)
                    same = a[i].data[k] == (uint8_t)((dl - 1 - k) * 13 + (uint32_t)i);
                CHECK(a[i].result == 0 && same, "ok %d", i);
                CHECK(a[i].pk_count == (uint32_t)(i % 2), "pk count %d", i);
            }
        }
    }
    free(b.p);
}

/* ---- result helpers ---------------------------------------------------- */

static int helpers_fn(const sluice_record *in, sluice_result *out) {
    char c = (char)in->record_id.ptr[0];
    switch (c) {
    case 'a': /* append in pieces, then keys */
        sluice_result_ok_append(out, "ab", 2);
        sluice_result_ok_append(out, "", 0);
        sluice_result_ok_append(out, "cd", 2);
        sluice_result_add_partition_key(out, "k1", "v1");
        sluice_result_add_partition_key(out, "k2", "v2");
        return 0;
    case 'b': /* append after a key: the record fails */
        sluice_result_ok(out, "x", 1);
        sluice_result_add_partition_key(out, "k", "v");
        sluice_result_ok_append(out, "y", 1);
        return 0;
    case 'c': return 0;                          /* no result */
    case 'd': return -7;                         /* error code */
    case 'e': sluice_result_fail(out, "bad \xff byte"); return 0;
    case 'f': /* a later answer replaces an earlier one */
        sluice_result_fail(out, "first");
        sluice_result_ok(out, "second", 6);
        return 0;
    case 'g': sluice_result_drop(out); sluice_result_add_partition_key(out, "k", "v"); return 0;
    case 'h': sluice_result_ok(out, "x", 1); sluice_result_add_partition_key(out, "k", "\xc3\x28"); return 0;
    default: return 0;
    }
}

static void test_helpers(void) {
    static const char ids[] = "abcdefgh";
    answer a[8];
    buf b = {0};
    sluice_handlers h = {NULL, helpers_fn};
    b_header(&b, 8);
    for (int i = 0; i < 8; i++) {
        uint8_t z = 0;
        b_str(&b, &ids[i], 1);
        b_i64(&b, 0);
        b_raw(&b, &z, 1);
        b_str(&b, "data", 4);
    }
    const uint8_t *out;
    uint32_t n;
    int rc = sluice_run_batch(&h, b.p, (uint32_t)b.len, &out, &n);
    CHECK(rc == 0, "rc %d", rc);
    int cnt = decode_response(out, n, a, 8);
    CHECK(cnt == 8, "decoded %d", cnt);
    free(b.p);
    if (cnt != 8) return;
    CHECK(a[0].result == 0 && a[0].data_len == 4 && memcmp(a[0].data, "abcd", 4) == 0 && a[0].pk_count == 2,
          "append: result %d len %u pks %u", a[0].result, a[0].data_len, a[0].pk_count);
    CHECK(a[1].result == 2 && strstr(a[1].err, "after a partition key"), "b: %s", a[1].err);
    CHECK(a[2].result == 2 && strcmp(a[2].err, "transform gave no result") == 0, "c: %s", a[2].err);
    CHECK(a[3].result == 2 && strcmp(a[3].err, "transform returned -7") == 0, "d: %s", a[3].err);
    CHECK(a[4].result == 2 && strcmp(a[4].err, "bad ? byte") == 0, "e: %s", a[4].err);
    CHECK(a[5].result == 0 && a[5].data_len == 6 && a[5].err[0] == 0, "f");
    CHECK(a[6].result == 2 && strstr(a[6].err, "not Ok"), "g: %s", a[6].err);
    CHECK(a[7].result == 2 && strstr(a[7].err, "not UTF-8"), "h: %s", a[7].err);
}

/* ---- malformed batches ------------------------------------------------- */

static int never_fn(const sluice_record *in, sluice_result *out) {
    (void)in;
    return sluice_result_drop(out);
}

static void expect_malformed(const char *name, const uint8_t *p, uint32_t n, const char *want) {
    sluice_handlers h = {NULL, never_fn};
    const uint8_t *out;
    uint32_t on;
    int rc = sluice_run_batch(&h, p, n, &out, &on);
    CHECK(rc == 1, "%s: rc %d", name, rc);
    if (rc != 1) return;
    if (want != NULL)
        CHECK(on == strlen(want) && memcmp(out, want, on) == 0, "%s: message %.*s, want %s", name, (int)on,
              out, want);
    else
        CHECK(on > 17 && memcmp(out, "malformed batch: ", 17) == 0, "%s: message %.*s", name, (int)on, out);
}

static void test_malformed(void) {
    uint8_t m[sizeof golden_batch + 4];
    char name[32];

    memcpy(m, golden_batch, sizeof golden_batch);
    m[3] = '2'; /* "SLB2" */
    expect_malformed("wrong magic", m, sizeof golden_batch, "malformed batch: magic at byte 0");
    expect_malformed("empty", m, 0, "malformed batch: magic at byte 0");
    for (uint32_t n = 1; n < sizeof golden_batch; n++) { /* every truncation */
        snprintf(name, sizeof name, "truncated at %u", n);
        expect_malformed(name, golden_batch, n, NULL);
    }
    memcpy(m, golden_batch, sizeof golden_batch);
    m[sizeof golden_batch] = 0;
    expect_malformed("trailing byte", m, sizeof golden_batch + 1,
                     "malformed batch: bytes left over after the last record at byte 98");
    memcpy(m, golden_batch, sizeof golden_batch);
    m[44] = 0xff; /* data length of record 1: past the end */
    expect_malformed("data past the end", m, sizeof golden_batch, "malformed batch: data at byte 43");
    memcpy(m, golden_batch, sizeof golden_batch);
    m[4] = 0xff, m[5] = 0xff, m[6] = 0xff, m[7] = 0xff; /* invocation_id length 2^32-1 */
    expect_malformed("huge length", m, sizeof golden_batch, "malformed batch: invocation_id at byte 4");
    memcpy(m, golden_batch, sizeof golden_batch);
    m[42] = 2; /* flags of record 1: an unknown bit */
    expect_malformed("unknown flag", m, sizeof golden_batch, "malformed batch: flags at byte 42");
    memcpy(m, golden_batch, sizeof golden_batch);
    m[33] = 0xff; /* record id of record 1: not UTF-8 */
    expect_malformed("id not utf-8", m, sizeof golden_batch, "malformed batch: record_id at byte 29");
    memcpy(m, golden_batch, sizeof golden_batch);
    m[25] = 3; /* record_count 3, only 2 records */
    expect_malformed("count too high", m, sizeof golden_batch, "malformed batch: record_id at byte 98");
}

/* ---- batch function ---------------------------------------------------- */

static int batch_calls;
static int batch_ok(const sluice_batch *b) {
    batch_calls++;
    CHECK(b->record_count == 2 && b->invocation_id.len == 3 && b->region.len == 1, "batch header");
    return 0;
}
static int batch_named(const sluice_batch *b) {
    (void)b;
    sluice_batch_error("lookup table not loaded");
    return 1;
}
static int batch_code(const sluice_batch *b) {
    (void)b;
    return -3;
}

static void test_batch_fn(void) {
    const uint8_t *out;
    uint32_t n;
    sluice_handlers ok = {batch_ok, golden_fn}, named = {batch_named, golden_fn}, code = {batch_code, golden_fn};
    CHECK(sluice_run_batch(&ok, golden_batch, sizeof golden_batch, &out, &n) == 0 && batch_calls == 1, "ok");
    CHECK(sluice_run_batch(&named, golden_batch, sizeof golden_batch, &out, &n) == 1 &&
              n == strlen("lookup table not loaded") && memcmp(out, "lookup table not loaded", n) == 0,
          "named: %.*s", (int)n, out);
    CHECK(sluice_run_batch(&code, golden_batch, sizeof golden_batch, &out, &n) == 1 &&
              n == strlen("batch function returned -3") && memcmp(out, "batch function returned -3", n) == 0,
          "code: %.*s", (int)n, out);
    CHECK(sluice_run_batch(NULL, golden_batch, sizeof golden_batch, &out, &n) == 1, "no handlers");
}

/* ---- the exported entry points, as the host calls them ----------------- */

SLUICE_TRANSFORM(golden_fn)

uint8_t *sluice_alloc(uint32_t size);
int32_t sluice_transform(const uint8_t *ptr, uint32_t len);
void sluice_abi_version_1(void);

static void test_exports(void) {
    sluice_abi_version_1();
    uint8_t *p = sluice_alloc(sizeof golden_batch);
    CHECK(p != NULL, "alloc");
    memcpy(p, golden_batch, sizeof golden_batch);
    int32_t rc = sluice_transform(p, sizeof golden_batch);
    CHECK(rc == 0 && stub_set_output_calls == 1, "rc %d, set_output called %d times", rc, stub_set_output_calls);
    CHECK(stub_output_len == sizeof golden_response && memcmp(stub_output, golden_response, stub_output_len) == 0,
          "exported path gives the golden response");
    CHECK(sluice_alloc(10) == p, "a smaller batch reuses the input buffer");
    memcpy(p, "SLB2", 4);
    rc = sluice_transform(p, 4);
    CHECK(rc == 1 && stub_output_len == strlen("malformed batch: magic at byte 0"), "malformed via export");
}

/* ---- host services ----------------------------------------------------- */

static void test_services(void) {
    const uint8_t *v;
    uint32_t n;
    for (uint32_t i = 0; i < sizeof stub_kv_value; i++) stub_kv_value[i] = (uint8_t)i;
    CHECK(sluice_kv_get("prices", "apple", &v, &n) == SLUICE_KV_FOUND && n == 4 && memcmp(v, "1.25", 4) == 0,
          "apple");
    stub_kv_calls = 0;
    CHECK(sluice_kv_get("prices", "big", &v, &n) == SLUICE_KV_FOUND && n == sizeof stub_kv_value &&
              memcmp(v, stub_kv_value, n) == 0 && stub_kv_calls == 2,
          "big value: calls %d", stub_kv_calls);
    CHECK(sluice_kv_get("prices", "pear", &v, &n) == SLUICE_KV_NOT_FOUND, "missing key");
    CHECK(sluice_kv_get("secret", "x", &v, &n) == SLUICE_KV_NOT_GRANTED, "not granted");
    CHECK(sluice_kv_get("prices", "down", &v, &n) == SLUICE_KV_FAILED, "unknown negative code");

    sluice_log(SLUICE_WARN, "hello");
    CHECK(stub_log_level == 2 && strcmp(stub_log, "hello") == 0, "log");
    sluice_logf(SLUICE_ERROR, "n=%d s=%s", 42, "x");
    CHECK(stub_log_level == 3 && strcmp(stub_log, "n=42 s=x") == 0, "logf: %s", stub_log);

    setenv("SLUICE_TEST_PARAM", "a,b", 1);
    CHECK(sluice_param("SLUICE_TEST_PARAM") && strcmp(sluice_param("SLUICE_TEST_PARAM"), "a,b") == 0, "param");
    CHECK(sluice_param("SLUICE_TEST_MISSING") == NULL, "missing param");
}

static void test_utf8(void) {
    static const struct {
        const char *s;
        int valid;
    } cases[] = {
        {"", 1},           {"plain", 1},          {"\xc3\xa9", 1},     {"\xe2\x82\xac", 1},
        {"\xf0\x9f\x98\x80", 1}, {"\xc0\xaf", 0}, {"\xe0\x80\xaf", 0}, {"\xed\xa0\x80", 0},
        {"\xf4\x90\x80\x80", 0}, {"\xc3", 0},     {"\xff", 0},         {"a\x80", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        CHECK(sluice_utf8_valid((const uint8_t *)cases[i].s, (uint32_t)strlen(cases[i].s)) == cases[i].valid,
              "utf8 case %zu", i);
}

int main(void) {
    test_golden();
    test_round_trip();
    test_helpers();
    test_malformed();
    test_batch_fn();
    test_exports();
    test_services();
    test_utf8();
    if (failures) {
        fprintf(stderr, "sdk/c: %d check(s) failed\n", failures);
        return 1;
    }
    printf("sdk/c: all checks passed\n");
    return 0;
}
