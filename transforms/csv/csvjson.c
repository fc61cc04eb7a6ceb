/* csvjson.c: CSV line to JSON object; see csvjson.h. */
#include "csvjson.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- schema ------------------------------------------------------------ */

static char *dup_trimmed(const char *p, size_t n) {
    while (n && (*p == ' ' || *p == '\t')) p++, n--;
    while (n && (p[n - 1] == ' ' || p[n - 1] == '\t')) n--;
    char *s = malloc(n + 1);
    if (s) {
        memcpy(s, p, n);
        s[n] = 0;
    }
    return s;
}

/* Splits a comma-separated list into trimmed, malloc'd strings. */
static char **split(const char *list, uint32_t *count) {
    uint32_t n = 1, i = 0;
    for (const char *p = list; *p; p++) n += *p == ',';
    char **v = calloc(n, sizeof *v);
    if (v == NULL) return NULL;
    const char *start = list;
    for (const char *p = list;; p++) {
        if (*p == ',' || *p == 0) {
            v[i] = dup_trimmed(start, (size_t)(p - start));
            if (v[i++] == NULL) {
                while (i--) free(v[i]);
                free(v);
                return NULL;
            }
            if (*p == 0) break;
            start = p + 1;
        }
    }
    *count = n;
    return v;
}

static void free_list(char **v, uint32_t n) {
    if (v == NULL) return;
    for (uint32_t i = 0; i < n; i++) free(v[i]);
    free(v);
}

void csv_schema_free(csv_schema *s) {
    free_list(s->names, s->n);
    free(s->types);
    memset(s, 0, sizeof *s);
}

int csv_schema_parse(csv_schema *s, const char *columns, const char *types, char *err, size_t errcap) {
    memset(s, 0, sizeof *s);
    if (columns == NULL || *columns == 0) {
        snprintf(err, errcap, "parameter COLUMNS is required (for example COLUMNS=id,name,temp)");
        return -1;
    }
    s->names = split(columns, &s->n);
    s->types = calloc(s->n, sizeof *s->types);
    if (s->names == NULL || s->types == NULL) {
        snprintf(err, errcap, "out of memory");
        goto fail;
    }
    for (uint32_t i = 0; i < s->n; i++) {
        if (s->names[i][0] == 0) {
            snprintf(err, errcap, "COLUMNS: column %u has an empty name", i + 1);
            goto fail;
        }
        for (uint32_t j = 0; j < i; j++)
            if (strcmp(s->names[i], s->names[j]) == 0) {
                snprintf(err, errcap, "COLUMNS: column name \"%s\" appears twice", s->names[i]);
                goto fail;
            }
    }
    if (types != NULL && *types != 0) {
        uint32_t tn;
        char **t = split(types, &tn);
        if (t == NULL) {
            snprintf(err, errcap, "out of memory");
            goto fail;
        }
        if (tn != s->n) {
            snprintf(err, errcap, "TYPES has %u entries but COLUMNS has %u", tn, s->n);
            free_list(t, tn);
            goto fail;
        }
        for (uint32_t i = 0; i < tn; i++) {
            if (strcmp(t[i], "string") == 0) s->types[i] = CSV_STRING;
            else if (strcmp(t[i], "int") == 0) s->types[i] = CSV_INT;
            else if (strcmp(t[i], "float") == 0) s->types[i] = CSV_FLOAT;
            else {
                snprintf(err, errcap, "TYPES: unknown type \"%.40s\" (use string, int or float)", t[i]);
                free_list(t, tn);
                goto fail;
            }
        }
        free_list(t, tn);
    }
    return 0;
fail:
    csv_schema_free(s);
    return -1;
}

/* ---- values ------------------------------------------------------------ */

static int utf8_valid(const uint8_t *p, uint32_t n) {
    uint32_t i = 0;
    while (i < n) {
        uint8_t c = p[i];
        uint32_t k;
        if (c < 0x80) k = 1;
        else if (c >= 0xC2 && c < 0xE0) k = 2;
        else if (c >= 0xE0 && c < 0xF0) k = 3;
        else if (c >= 0xF0 && c < 0xF5) k = 4;
        else return 0;
        if (n - i < k) return 0;
        for (uint32_t j = 1; j < k; j++)
            if ((p[i + j] & 0xC0) != 0x80) return 0;
        if ((c == 0xE0 && p[i + 1] < 0xA0) || (c == 0xED && p[i + 1] >= 0xA0) ||
            (c == 0xF0 && p[i + 1] < 0x90) || (c == 0xF4 && p[i + 1] >= 0x90))
            return 0;
        i += k;
    }
    return 1;
}

static int is_digit(uint8_t c) { return c >= '0' && c <= '9'; }

/* Whether p[0..n) is a JSON number; integers only when int_only. */
static int json_number(const uint8_t *p, uint32_t n, int int_only) {
    uint32_t i = 0;
    if (i < n && p[i] == '-') i++;
    if (i >= n || !is_digit(p[i])) return 0;
    if (p[i] == '0') i++;
    else
        while (i < n && is_digit(p[i])) i++;
    if (int_only) return i == n;
    if (i < n && p[i] == '.') {
        i++;
        if (i >= n || !is_digit(p[i])) return 0;
        while (i < n && is_digit(p[i])) i++;
    }
    if (i < n && (p[i] == 'e' || p[i] == 'E')) {
        i++;
        if (i < n && (p[i] == '+' || p[i] == '-')) i++;
        if (i >= n || !is_digit(p[i])) return 0;
        while (i < n && is_digit(p[i])) i++;
    }
    return i == n;
}

typedef struct {
    csv_write_fn w;
    void *ctx;
    int failed;
} sink;

static void put(sink *k, const void *p, uint32_t n) {
    if (!k->failed && n && k->w(k->ctx, p, n) != 0) k->failed = 1;
}

static void put_json_string(sink *k, const uint8_t *p, uint32_t n) {
    static const char hex[] = "0123456789abcdef";
    uint32_t run = 0;
    put(k, "\"", 1);
    for (uint32_t i = 0; i < n; i++) {
        uint8_t c = p[i];
        char esc[6];
        uint32_t el = 2;
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        put(k, p + run, i - run);
        run = i + 1;
        esc[0] = '\\';
        switch (c) {
        case '"': esc[1] = '"'; break;
        case '\\': esc[1] = '\\'; break;
        case '\n': esc[1] = 'n'; break;
        case '\r': esc[1] = 'r'; break;
        case '\t': esc[1] = 't'; break;
        case '\b': esc[1] = 'b'; break;
        case '\f': esc[1] = 'f'; break;
        default:
            esc[1] = 'u', esc[2] = '0', esc[3] = '0', esc[4] = hex[c >> 4], esc[5] = hex[c & 15];
            el = 6;
        }
        put(k, esc, el);
    }
    put(k, p + run, n - run);
    put(k, "\"", 1);
}

/* ---- the line ---------------------------------------------------------- */

/* The unquoted text of the current field; grown as needed, reused. */
static uint8_t *field;
static uint32_t field_cap;

static int field_room(uint32_t need) {
    if (need <= field_cap) return 0;
    uint32_t cap = field_cap ? field_cap : 256;
    while (cap < need) cap *= 2;
    uint8_t *p = realloc(field, cap);
    if (p == NULL) return -1;
    field = p;
    field_cap = cap;
    return 0;
}

/* Writes field number idx (0-based) as "name":value. */
static int emit_field(const csv_schema *s, sink *k, uint32_t idx, const uint8_t *v, uint32_t n, char *err,
                      size_t errcap) {
    const char *name = s->names[idx];
    put(k, idx == 0 ? "" : ",", idx == 0 ? 0 : 1);
    put_json_string(k, (const uint8_t *)name, (uint32_t)strlen(name));
    put(k, ":", 1);
    if (s->types[idx] == CSV_STRING) {
        put_json_string(k, v, n);
        return 0;
    }
    while (n && (*v == ' ' || *v == '\t')) v++, n--; /* numbers may be padded */
    while (n && (v[n - 1] == ' ' || v[n - 1] == '\t')) n--;
    if (n == 0) {
        put(k, "null", 4);
        return 0;
    }
    if (!json_number(v, n, s->types[idx] == CSV_INT)) {
        snprintf(err, errcap, "column \"%s\": \"%.*s\"%s is not %s", name, n > 40 ? 40 : (int)n,
                 (const char *)v, n > 40 ? "..." : "", s->types[idx] == CSV_INT ? "an int" : "a float");
        return -1;
    }
    put(k, v, n);
    return 0;
}

int csv_to_json(const csv_schema *s, const uint8_t *line, uint32_t len, csv_write_fn w, void *ctx, char *err,
                size_t errcap) {
    sink k = {w, ctx, 0};
    uint32_t i = 0, nf = 0;

    if (len && line[len - 1] == '\n') len--;
    if (len && line[len - 1] == '\r') len--;
    if (!utf8_valid(line, len)) {
        snprintf(err, errcap, "record is not UTF-8 text");
        return CSV_BAD_RECORD;
    }
    if (field_room(len + 1) != 0) {
        snprintf(err, errcap, "out of memory");
        return CSV_BAD_RECORD;
    }
    put(&k, "{", 1);
    for (;;) { /* one field per turn; i is at its first byte */
        uint32_t fl = 0, start = i;
        if (i < len && line[i] == '"') {
            i++;
            for (;;) {
                if (i >= len) {
                    snprintf(err, errcap, "field %u: quoted field not closed (opened at byte %u)", nf + 1, start);
                    return CSV_BAD_RECORD;
                }
                if (line[i] == '"') {
                    if (i + 1 < len && line[i + 1] == '"') {
                        field[fl++] = '"';
                        i += 2;
                        continue;
                    }
                    i++;
                    break;
                }
                field[fl++] = line[i++];
            }
            if (i < len && line[i] != ',') {
                snprintf(err, errcap, "field %u: unexpected character after the closing quote at byte %u",
                         nf + 1, i);
                return CSV_BAD_RECORD;
            }
        } else {
            while (i < len && line[i] != ',') {
                if (line[i] == '"') {
                    snprintf(err, errcap, "field %u: quote inside an unquoted field at byte %u", nf + 1, i);
                    return CSV_BAD_RECORD;
                }
                field[fl++] = line[i++];
            }
        }
        if (nf < s->n && emit_field(s, &k, nf, field, fl, err, errcap) != 0) return CSV_BAD_RECORD;
        nf++;
        if (i >= len) break;
        i++; /* the comma */
    }
    if (nf != s->n) {
        snprintf(err, errcap, "expected %u columns, got %u", s->n, nf);
        return CSV_BAD_RECORD;
    }
    put(&k, "}", 1);
    return k.failed ? CSV_WRITE_FAILED : CSV_OK;
}
