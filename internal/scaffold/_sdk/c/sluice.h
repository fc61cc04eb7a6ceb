/*
 * sluice.h: the C guest SDK for Sluice transforms (ABI v1, see sdk/ABI.md).
 *
 * The SDK decodes each batch the host hands over, calls the author's
 * per-record function once per record, encodes the answers and passes them
 * to the host. An author writes one function and one registration line:
 *
 *     #include "sluice.h"
 *
 *     static int upper(const sluice_record *in, sluice_result *out) {
 *         ...
 *         return sluice_result_ok(out, data, len);
 *     }
 *     SLUICE_TRANSFORM(upper)
 *
 * and builds it together with sluice.c:
 *
 *     clang --target=wasm32-wasi -mexec-model=reactor -O2 -Wl,--strip-all \
 *           -I sdk/c my.c sdk/c/sluice.c -o my.wasm
 *
 * Memory: every pointer in a sluice_record points into the SDK's input
 * buffer and is valid only during the call for that record. The SDK owns an
 * input buffer and an output buffer, grows them with realloc and reuses them
 * for later batches. Strings in a record are NOT NUL-terminated: use the
 * lengths.
 */
#ifndef SLUICE_H
#define SLUICE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A byte string inside the input batch. Not NUL-terminated. */
typedef struct {
    const uint8_t *ptr;
    uint32_t len;
} sluice_bytes;

/* Metadata of a record read from a data stream. */
typedef struct {
    sluice_bytes shard_id;        /* "shardId-000000000000" */
    sluice_bytes partition_key;
    sluice_bytes sequence_number; /* decimal string */
    int64_t subsequence_number;
    int64_t approximate_arrival_timestamp; /* at the data stream, ms since the epoch */
} sluice_kinesis_metadata;

/* One input record. */
typedef struct {
    sluice_bytes record_id;
    int64_t approximate_arrival_timestamp; /* ms since the Unix epoch */
    int has_kinesis;                       /* 1 when kinesis holds metadata */
    sluice_kinesis_metadata kinesis;
    sluice_bytes data;
} sluice_record;

/* The batch header. */
typedef struct {
    sluice_bytes invocation_id;
    sluice_bytes delivery_stream_arn;
    sluice_bytes region;
    sluice_bytes source_stream_arn; /* empty for direct put */
    uint32_t record_count;
} sluice_batch;

/* Result codes of the record contract. */
enum {
    SLUICE_OK = 0,
    SLUICE_DROPPED = 1,
    SLUICE_PROCESSING_FAILED = 2
};

/*
 * The answer for one record, filled by the sluice_result_* helpers below.
 * Its fields are the SDK's; do not touch them.
 */
typedef struct {
    int state;          /* 0 unset, 1 ok, 2 dropped, 3 failed */
    uint32_t start;     /* output offset just after the record id */
    uint32_t data_len_at;
    uint32_t pk_count_at; /* 0 until the first partition key */
    uint32_t pk_count;
} sluice_result;

/*
 * The author's per-record function. Answer through `out`, then return 0.
 * A non-zero return without an answer makes the record ProcessingFailed with
 * the message "transform returned N"; returning without any answer makes it
 * ProcessingFailed with "transform gave no result".
 */
typedef int (*sluice_record_fn)(const sluice_record *in, sluice_result *out);

/*
 * Optional, called once per batch before the first record. Return 0 to go
 * on; any other value fails the whole batch (it is retried, then sent to the
 * error output) with the message given to sluice_batch_error, or
 * "batch function returned N".
 */
typedef int (*sluice_batch_fn)(const sluice_batch *batch);

/* What SLUICE_TRANSFORM registers. */
typedef struct {
    sluice_batch_fn on_batch; /* may be NULL */
    sluice_record_fn on_record;
} sluice_handlers;

/*
 * Registration: exactly one translation unit of a module says
 * SLUICE_TRANSFORM(fn) or SLUICE_TRANSFORM_WITH_BATCH(batch_fn, fn) at file
 * scope. It defines the handlers the SDK's exported sluice_transform calls.
 */
#define SLUICE_TRANSFORM(record_fn) \
    const sluice_handlers sluice_registered_handlers = {0, (record_fn)};
#define SLUICE_TRANSFORM_WITH_BATCH(batch_fn, record_fn) \
    const sluice_handlers sluice_registered_handlers = {(batch_fn), (record_fn)};

/* ---- answers ----------------------------------------------------------
 * Each helper replaces whatever answer the record had so far, except
 * sluice_result_ok_append and sluice_result_add_partition_key, which extend
 * an Ok answer. They return 0, or -1 when out of memory or misused (the
 * record then fails with the reason). */

/* Ok with a copy of the len bytes at data. */
int sluice_result_ok(sluice_result *out, const void *data, uint32_t len);
/* Ok with the data so far followed by len more bytes (starts an empty Ok
 * answer if there is none). Only before the first partition key. */
int sluice_result_ok_append(sluice_result *out, const void *data, uint32_t len);
/* Adds a partition key to an Ok answer. key and value are NUL-terminated
 * UTF-8; returns -1 if either is not UTF-8 or the answer is not Ok. */
int sluice_result_add_partition_key(sluice_result *out, const char *key, const char *value);
/* Dropped: the record is deliberately left out. */
int sluice_result_drop(sluice_result *out);
/* ProcessingFailed with a NUL-terminated message (invalid UTF-8 bytes are
 * replaced by '?'); the original record goes to the error output. */
int sluice_result_fail(sluice_result *out, const char *message);
/* The same with a message of len bytes. */
int sluice_result_fail_n(sluice_result *out, const char *message, uint32_t len);

/* Sets the message a batch function's non-zero return fails the batch with. */
void sluice_batch_error(const char *message);

/* ---- host services ---------------------------------------------------- */

enum { SLUICE_DEBUG = 0, SLUICE_INFO = 1, SLUICE_WARN = 2, SLUICE_ERROR = 3 };

/* Writes a NUL-terminated message to the host's log (if granted). */
void sluice_log(int level, const char *message);
/* printf-style; messages longer than 1023 bytes are cut. */
void sluice_logf(int level, const char *format, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* kv_get results. */
enum {
    SLUICE_KV_FOUND = 0,
    SLUICE_KV_NOT_FOUND = -1,
    SLUICE_KV_NOT_GRANTED = -2,
    SLUICE_KV_FAILED = -3,
    SLUICE_KV_NO_MEMORY = -4
};

/*
 * Reads key from the key-value bucket. On SLUICE_KV_FOUND, *value and *len
 * describe the value in an SDK buffer valid until the next sluice_kv_get.
 * Returns one of the SLUICE_KV_* codes.
 */
int sluice_kv_get(const char *bucket, const char *key, const uint8_t **value, uint32_t *len);

/* A parameter granted to the module (an environment variable), or NULL. */
const char *sluice_param(const char *name);

/* ---- the codec, exposed for tests and for other front ends ----------- */

/*
 * Runs one encoded batch through handlers. Returns 0 with the encoded
 * response in *out and *out_len, or 1 with a UTF-8 error message there (the same
 * meaning as sluice_transform's return). *out stays valid until the next call.
 */
int sluice_run_batch(const sluice_handlers *handlers, const uint8_t *in, uint32_t in_len,
                     const uint8_t **out, uint32_t *out_len);

/* 1 if the len bytes at p are valid UTF-8, else 0. */
int sluice_utf8_valid(const uint8_t *p, uint32_t len);

#ifdef __cplusplus
}
#endif
#endif /* SLUICE_H */
