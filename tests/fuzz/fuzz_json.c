/* The JSON writer's strings. Input: any bytes, written once as a value and
 * once as a key; each line must be strict JSON (tests/unit/jsoncheck.h)
 * and each string must map back to exactly the input's bytes
 * (docs/json.md). */
#include <stdlib.h>
#include <string.h>

#include "report/jsonw.h"
#include "tests/fuzz/fuzz.h"
#include "tests/unit/jsoncheck.h"

/* line - {"k":DATA} (or {KEY:0}), checked strictly; its text, to free. */
static char *line(const uint8_t *data, size_t size, const char *key, size_t *len)
{
    char *text = NULL;
    FILE *f = open_memstream(&text, len);
    if (!f)
        abort();
    struct jw w;
    jw_init(&w, f);
    jw_obj(&w);
    if (key) {
        jw_key_n(&w, key, strlen(key)); /* a key not the program's own */
        jw_uint(&w, 0);
    } else {
        jw_key(&w, "k");
        jw_strn(&w, data, size);
    }
    jw_obj_end(&w);
    jw_end_line(&w);
    fclose(f);
    char why[128];
    if (!json_check(text, *len, why, sizeof(why))) {
        fprintf(stderr, "not strict JSON (%s)\n", why);
        abort();
    }
    return text;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *back = malloc(size + 1);
    char *key = malloc(size + 1);
    if (!back || !key)
        abort();
    size_t len;
    char *text = line(data, size, NULL, &len);
    /* {"k":"...": the value starts at byte 5 */
    if (json_string_bytes(text + 5, len - 5, back, size + 1) != (long)size || memcmp(back, data, size) != 0)
        abort();
    free(text);
    memcpy(key, data, size);
    key[size] = 0; /* a key is a C string: up to the first NUL */
    text = line(data, size, key, &len);
    size_t klen = strlen(key);
    if (json_string_bytes(text + 1, len - 1, back, size + 1) != (long)klen || memcmp(back, key, klen) != 0)
        abort();
    free(text);
    free(key);
    free(back);
    return 0;
}
