/* Extension dispatch (RFC 8446 4.2): each parser sees only its own body. */
#include "dissect/internal.h"

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

const struct ext_parser *ext_find(uint16_t type)
{
    for (size_t t = 0; t < ARRAY_LEN(tables); t++)
        for (size_t i = 0; i < tables[t]->n; i++)
            if (tables[t]->v[i].type == type)
                return &tables[t]->v[i];
    return NULL;
}
