/*
 * transform.c: the csv transform. Each record is one CSV line; the answer is
 * a JSON object keyed by the COLUMNS parameter, with values typed by the
 * optional TYPES parameter. A line that does not fit fails with the reason.
 */
#include "csvjson.h"
#include "sluice.h"

#include <stdio.h>

static csv_schema schema;
static int schema_ready;

/* Reads the parameters once; a bad configuration fails every batch. */
static int on_batch(const sluice_batch *b) {
    char err[160];
    (void)b;
    if (schema_ready) return 0;
    if (csv_schema_parse(&schema, sluice_param("COLUMNS"), sluice_param("TYPES"), err, sizeof err) != 0) {
        sluice_batch_error(err);
        return 1;
    }
    schema_ready = 1;
    return 0;
}

static int append(void *ctx, const void *p, uint32_t n) { return sluice_result_ok_append(ctx, p, n); }

static int on_record(const sluice_record *in, sluice_result *out) {
    char err[160];
    int rc = csv_to_json(&schema, in->data.ptr, in->data.len, append, out, err, sizeof err);
    if (rc == CSV_BAD_RECORD) return sluice_result_fail(out, err);
    return rc == CSV_OK ? 0 : -1; /* a failed append already set the reason */
}

SLUICE_TRANSFORM_WITH_BATCH(on_batch, on_record)
