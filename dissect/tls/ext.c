/* Extension dispatch (RFC 8446 4.2): each parser sees only its own body. */
#include "dissect/internal.h"

#include <pthread.h>

static const struct ext_table *const tables[] = {
    &ext_sni_table,       &ext_lists_table,   &ext_versions_table, &ext_key_share_table,
    &ext_psk_table,       &ext_alpn_table,    &ext_flags_table,    &ext_ech_table,
    &ext_quic_table,
};

/* ext_tables - every table, for the unit test that checks them. */
const struct ext_table *const *ext_tables(size_t *n)
{
    *n = ARRAY_LEN(tables);
    return tables;
}

/* Every extension of every hello is looked up: a search through the
 * tables took a hundred instructions a lookup. They are indexed once in
 * an open-addressed table, which any thread reads after pthread_once. */
enum { INDEX_BITS = 8, INDEX_SLOTS = 1 << INDEX_BITS };
static const struct ext_parser *ext_index[INDEX_SLOTS];
static pthread_once_t ext_index_once = PTHREAD_ONCE_INIT;

static size_t index_home(uint16_t type)
{
    return (size_t)(((uint32_t)type * 0x9e3779b1u) >> (32 - INDEX_BITS));
}

static void index_build(void)
{
    for (size_t t = 0; t < ARRAY_LEN(tables); t++)
        for (size_t i = 0; i < tables[t]->n; i++) {
            size_t at = index_home(tables[t]->v[i].type);
            while (ext_index[at])
                at = (at + 1) & (INDEX_SLOTS - 1);
            ext_index[at] = &tables[t]->v[i];
        }
}

const struct ext_parser *ext_find(uint16_t type)
{
    pthread_once(&ext_index_once, index_build);
    for (size_t at = index_home(type); ext_index[at]; at = (at + 1) & (INDEX_SLOTS - 1))
        if (ext_index[at]->type == type)
            return ext_index[at];
    return NULL;
}
