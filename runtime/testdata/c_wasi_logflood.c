/* c_wasi_logflood: a hostile WASI command (no SDK) that writes FLOOD_LINES
 * lines to stderr, then answers every record of the Firehose event on
 * stdin Dropped (its recordIds found by a plain scan for "recordId":"...").
 * The host must keep its log bounded and still take the answer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FLOOD_LINES 20000

int main(void) {
  size_t cap = 1 << 16, len = 0, n;
  char *in = malloc(cap + 1);
  while ((n = fread(in + len, 1, cap - len, stdin)) > 0) {
    len += n;
    if (len == cap) in = realloc(in, (cap *= 2) + 1);
  }
  in[len] = 0;
  for (int i = 0; i < FLOOD_LINES; i++) fprintf(stderr, "stderr line %d\n", i);
  fflush(stderr);

  const char *key = "\"recordId\":\"";
  printf("{\"records\":[");
  int first = 1;
  for (char *p = strstr(in, key); p; p = strstr(p, key)) {
    p += strlen(key);
    char *end = strchr(p, '"');
    if (!end) break;
    printf("%s{\"recordId\":\"%.*s\",\"result\":\"Dropped\"}", first ? "" : ",", (int)(end - p), p);
    first = 0;
    p = end;
  }
  printf("]}\n");
  return 0;
}
