/*
 * Native tests of the csv transform: the CSV-to-JSON conversion table-driven,
 * the parameter parsing, and whole batches through the C SDK with the host
 * imports stubbed. Built and run by transforms/csv/test.sh.
 */
#include "csvjson.h"
#include "sluice.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;
#define FAIL(...)                                              \
    do {                                                       \
        failures++;                                            \
        fprintf(stderr, "%s:%d: FAIL: ", __FILE__, __LINE__); \
        fprintf(stderr, __VA_ARGS__);                          \
        fprintf(stderr, "\n");                                 \
    } while (0)

/* Host imports, stubbed: the module never calls them in these tests except
 * set_output, which only sluice_transform uses. */
void sluice_host_set_output(const uint8_t *p, uint32_t n) { (void)p, (void)n; }
void sluice_host_log(int32_t l, const uint8_t *p, uint32_t n) { (void)l, (void)p, (void)n; }
int32_t sluice_host_kv_get(const uint8_t *a, uint32_t b, const uint8_t *c, uint32_t d, uint8_t *e, uint32_t f) {
    (void)a, (void)b, (void)c, (void)d, (void)e, (void)f;
    return -2;
}

typedef struct {
    char buf[4096];
    uint32_t n;
} text;

static int to_text(void *ctx, const void *p, uint32_t n) {
    text *t = ctx;
    if (t->n + n >= sizeof t->buf) return -1;
    memcpy(t->buf + t->n, p, n);
    t->n += n;
    t->buf[t->n] = 0;
    return 0;
}

static void test_convert(void) {
    static const struct {
        const char *name, *columns, *types, *line, *want, *err;
    } cases[] = {
        {"plain", "a,b,c", NULL, "x,y,z", "{\"a\":\"x\",\"b\":\"y\",\"c\":\"z\"}", NULL},
        {"newline stripped", "a,b", NULL, "x,y\r\n", "{\"a\":\"x\",\"b\":\"y\"}", NULL},
        {"lf stripped", "a,b", NULL, "x,y\n", "{\"a\":\"x\",\"b\":\"y\"}", NULL},
        {"empty fields", "a,b,c", NULL, ",,", "{\"a\":\"\",\"b\":\"\",\"c\":\"\"}", NULL},
        {"quoted comma", "a,b", NULL, "\"x,1\",y", "{\"a\":\"x,1\",\"b\":\"y\"}", NULL},
        {"doubled quotes", "a", NULL, "\"say \"\"hi\"\"\"", "{\"a\":\"say \\\"hi\\\"\"}", NULL},
        {"quoted empty", "a,b", NULL, "\"\",\"\"", "{\"a\":\"\",\"b\":\"\"}", NULL},
        {"newline inside quotes", "a,b", NULL, "\"l1\nl2\",z", "{\"a\":\"l1\\nl2\",\"b\":\"z\"}", NULL},
        {"json escapes", "a", NULL, "back\\slash\ttab\x01",
         "{\"a\":\"back\\\\slash\\ttab\\u0001\"}", NULL},
        {"utf-8 kept", "名前", NULL, "café ☕", "{\"名前\":\"café ☕\"}", NULL},
        {"column name escaped", "a\"b", NULL, "1", "{\"a\\\"b\":\"1\"}", NULL},
        {"types", "id,name,temp", "int,string,float", "42,bob,-3.5e2",
         "{\"id\":42,\"name\":\"bob\",\"temp\":-3.5e2}", NULL},
        {"padded numbers", "id,t", "int,float", " 7 , 0.25", "{\"id\":7,\"t\":0.25}", NULL},
        {"quoted number", "id", "int", "\"12\"", "{\"id\":12}", NULL},
        {"empty number is null", "id,t", "int,float", ",", "{\"id\":null,\"t\":null}", NULL},
        {"int accepted as float", "t", "float", "3", "{\"t\":3}", NULL},
        {"too many columns", "a,b", NULL, "1,2,3", NULL, "expected 2 columns, got 3"},
        {"too few columns", "a,b,c", NULL, "1,2", NULL, "expected 3 columns, got 2"},
        {"comma in quotes counts once", "a,b", NULL, "\"1,2\",3,4", NULL, "expected 2 columns, got 3"},
        {"not an int", "id", "int", "4.5", NULL, "column \"id\": \"4.5\" is not an int"},
        {"leading zero", "id", "int", "007", NULL, "column \"id\": \"007\" is not an int"},
        {"not a float", "t", "float", "NaN", NULL, "column \"t\": \"NaN\" is not a float"},
        {"float dot only", "t", "float", "1.", NULL, "column \"t\": \"1.\" is not a float"},
        {"unclosed quote", "a", NULL, "\"abc", NULL, "field 1: quoted field not closed (opened at byte 0)"},
        {"junk after quote", "a,b", NULL, "\"x\"y,z", NULL,
         "field 1: unexpected character after the closing quote at byte 3"},
        {"bare quote", "a,b", NULL, "x,y\"z", NULL, "field 2: quote inside an unquoted field at byte 3"},
        {"not utf-8", "a", NULL, "caf\xe9", NULL, "record is not UTF-8 text"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        csv_schema s;
        char err[160] = "";
        text t = {"", 0};
        if (csv_schema_parse(&s, cases[i].columns, cases[i].types, err, sizeof err) != 0) {
            FAIL("%s: schema: %s", cases[i].name, err);
            continue;
        }
        int rc = csv_to_json(&s, (const uint8_t *)cases[i].line, (uint32_t)strlen(cases[i].line), to_text, &t,
                             err, sizeof err);
        if (cases[i].want != NULL && (rc != CSV_OK || strcmp(t.buf, cases[i].want) != 0))
            FAIL("%s: rc %d, got %s, want %s (err %s)", cases[i].name, rc, t.buf, cases[i].want, err);
        if (cases[i].err != NULL && (rc != CSV_BAD_RECORD || strcmp(err, cases[i].err) != 0))
            FAIL("%s: rc %d, err %s, want %s", cases[i].name, rc, err, cases[i].err);
        csv_schema_free(&s);
    }
}

static void test_schema(void) {
    static const struct {
        const char *columns, *types, *err;
    } cases[] = {
        {NULL, NULL, "parameter COLUMNS is required (for example COLUMNS=id,name,temp)"},
        {"a,,b", NULL, "COLUMNS: column 2 has an empty name"},
        {"a,b,a", NULL, "COLUMNS: column name \"a\" appears twice"},
        {"a,b", "int", "TYPES has 1 entries but COLUMNS has 2"},
        {"a,b", "int,bool", "TYPES: unknown type \"bool\" (use string, int or float)"},
        {" a , b ", " int , float ", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        csv_schema s;
        char err[160] = "";
        int rc = csv_schema_parse(&s, cases[i].columns, cases[i].types, err, sizeof err);
        if (cases[i].err == NULL) {
            if (rc != 0 || s.n != 2 || strcmp(s.names[1], "b") != 0 || s.types[1] != CSV_FLOAT)
                FAIL("schema %zu: rc %d err %s", i, rc, err);
            csv_schema_free(&s);
        } else if (rc == 0 || strcmp(err, cases[i].err) != 0) {
            FAIL("schema %zu: rc %d err %s, want %s", i, rc, err, cases[i].err);
        }
    }
}

/* ---- whole batches through the SDK ------------------------------------ */

extern const sluice_handlers sluice_registered_handlers;

static void put32(uint8_t **p, uint32_t v) {
    (*p)[0] = (uint8_t)v, (*p)[1] = (uint8_t)(v >> 8), (*p)[2] = (uint8_t)(v >> 16), (*p)[3] = (uint8_t)(v >> 24);
    *p += 4;
}
static void putstr(uint8_t **p, const char *s) {
    uint32_t n = (uint32_t)strlen(s);
    put32(p, n);
    memcpy(*p, s, n);
    *p += n;
}
static uint32_t get32(const uint8_t **p) {
    const uint8_t *q = *p;
    *p += 4;
    return (uint32_t)q[0] | (uint32_t)q[1] << 8 | (uint32_t)q[2] << 16 | (uint32_t)q[3] << 24;
}

static void test_batch(void) {
    static const char *lines[] = {"1,\"Smith, Jo\",21.5\n", "2,Lee", "x,Kim,3"};
    uint8_t in[512], *p = in;
    const uint8_t *out;
    uint32_t n;

    setenv("COLUMNS", "id,name,temp", 1);
    setenv("TYPES", "int,string,float", 1);
    put32(&p, 0x31424C53u);
    putstr(&p, "inv"), putstr(&p, "arn"), putstr(&p, "eu-west-1"), putstr(&p, "");
    put32(&p, 3);
    for (int i = 0; i < 3; i++) {
        char id[2] = {(char)('a' + i), 0};
        putstr(&p, id);
        memset(p, 0, 9); /* timestamp 0, flags 0 */
        p += 9;
        putstr(&p, lines[i]);
    }
    int rc = sluice_run_batch(&sluice_registered_handlers, in, (uint32_t)(p - in), &out, &n);
    if (rc != 0) {
        FAIL("batch rc %d: %.*s", rc, (int)n, out);
        return;
    }
    static const struct {
        int result;
        const char *data, *err;
    } want[] = {
        {0, "{\"id\":1,\"name\":\"Smith, Jo\",\"temp\":21.5}", ""},
        {2, "", "expected 3 columns, got 2"},
        {2, "", "column \"id\": \"x\" is not an int"},
    };
    const uint8_t *q = out, *end = out + n;
    if (get32(&q) != 0x31524C53u || get32(&q) != 3) FAIL("response header");
    for (int i = 0; i < 3; i++) {
        uint32_t l = get32(&q);
        if (l != 1 || q[0] != 'a' + i) FAIL("answer %d id", i);
        q += l;
        int result = *q++;
        l = get32(&q);
        if (result != want[i].result || l != strlen(want[i].data) || memcmp(q, want[i].data, l) != 0)
            FAIL("answer %d: result %d data %.*s", i, result, (int)l, q);
        q += l;
        if (get32(&q) != 0) FAIL("answer %d: partition keys", i);
        l = get32(&q);
        if (l != strlen(want[i].err) || memcmp(q, want[i].err, l) != 0)
            FAIL("answer %d: error %.*s, want %s", i, (int)l, q, want[i].err);
        q += l;
    }
    if (q != end) FAIL("%ld bytes left in the response", (long)(end - q));
}

int main(void) {
    test_convert();
    test_schema();
    test_batch();
    if (failures) {
        fprintf(stderr, "transforms/csv: %d check(s) failed\n", failures);
        return 1;
    }
    printf("transforms/csv: all checks passed\n");
    return 0;
}
