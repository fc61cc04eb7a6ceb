/*
 * csvjson.h: turns one CSV line (RFC 4180 quoting) into a JSON object whose
 * keys are the configured column names. Plain C with no SDK dependency, so
 * the native tests exercise exactly the code the module runs.
 */
#ifndef CSVJSON_H
#define CSVJSON_H

#include <stddef.h>
#include <stdint.h>

/* How a column's value is written in JSON. */
typedef enum { CSV_STRING = 0, CSV_INT = 1, CSV_FLOAT = 2 } csv_type;

/* Column names and types, parsed from the COLUMNS and TYPES parameters. */
typedef struct {
    char **names;
    csv_type *types;
    uint32_t n;
} csv_schema;

/*
 * Parses columns ("a,b,c") and the optional types ("string,int,float"; NULL
 * or "" means all strings) into s. Returns 0, or -1 with a reason in err.
 */
int csv_schema_parse(csv_schema *s, const char *columns, const char *types, char *err, size_t errcap);
void csv_schema_free(csv_schema *s);

/* Receives the JSON output piece by piece; returns 0, or non-zero to stop. */
typedef int (*csv_write_fn)(void *ctx, const void *p, uint32_t n);

/* csv_to_json results. */
enum { CSV_OK = 0, CSV_BAD_RECORD = -1, CSV_WRITE_FAILED = -2 };

/*
 * Converts one record. A single trailing "\n" or "\r\n" is ignored. Returns
 * CSV_OK after writing the whole object, CSV_BAD_RECORD with a reason in err
 * (wrong column count, bad quoting, a value that is not its column's type,
 * bytes that are not UTF-8), or CSV_WRITE_FAILED. After an error, what was
 * written so far is incomplete and must be discarded.
 */
int csv_to_json(const csv_schema *s, const uint8_t *line, uint32_t len, csv_write_fn w, void *ctx, char *err,
                size_t errcap);

#endif
