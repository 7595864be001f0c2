/* hmap: lookups, growth and backward-shift deletion against a plain array
 * that does the same operations, with hashes that spread, hashes that all
 * collide, and chains that wrap around the end of the slots. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "include/hmap.h"

enum { KEYS = 4096 };

struct entry {
    uint32_t key;
    bool in;
};

static bool same_key(uintptr_t value, const void *key, const void *ctx)
{
    (void)ctx;
    return ((const struct entry *)value)->key == *(const uint32_t *)key;
}

static uint64_t spread(uint32_t k)
{
    return hmap_hash_bytes(&k, sizeof(k), 0);
}

static uint64_t colliding(uint32_t k)
{
    return k % 3; /* three chains, everything else a probe */
}

static uint64_t xorshift(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* Random puts and removes, each followed by lookups of keys in and out. */
static void against_model(uint64_t (*hash)(uint32_t), size_t keys, size_t steps)
{
    struct entry *e = calloc(keys, sizeof(*e));
    assert_non_null(e);
    struct hmap m = {0};
    size_t in = 0;
    uint64_t seed = 0x9e3779b97f4a7c15ull;
    for (size_t i = 0; i < keys; i++)
        e[i].key = (uint32_t)(i * 2654435761u);
    for (size_t step = 0; step < steps; step++) {
        struct entry *x = &e[xorshift(&seed) % keys];
        if (x->in) {
            assert_true(hmap_remove(&m, hash(x->key), (uintptr_t)x));
            assert_false(hmap_remove(&m, hash(x->key), (uintptr_t)x));
            x->in = false;
            in--;
        } else {
            assert_int_equal(hmap_get(&m, hash(x->key), same_key, &x->key, NULL), 0);
            assert_true(hmap_put(&m, hash(x->key), (uintptr_t)x));
            x->in = true;
            in++;
        }
        assert_int_equal(m.n, in);
        for (int probe = 0; probe < 4; probe++) {
            struct entry *y = &e[xorshift(&seed) % keys];
            uintptr_t got = hmap_get(&m, hash(y->key), same_key, &y->key, NULL);
            assert_int_equal(got, y->in ? (uintptr_t)y : 0);
        }
    }
    /* every entry still in is found, and hmap_each gives each once */
    size_t seen = 0, at = 0;
    for (uintptr_t v; (v = hmap_each(&m, &at)) != 0; seen++)
        assert_true(((struct entry *)v)->in);
    assert_int_equal(seen, in);
    for (size_t i = 0; i < keys; i++)
        assert_int_equal(hmap_get(&m, hash(e[i].key), same_key, &e[i].key, NULL),
                         e[i].in ? (uintptr_t)&e[i] : 0);
    hmap_free(&m);
    free(e);
}

static void spread_hashes(void **state)
{
    (void)state;
    against_model(spread, KEYS, 200000);
}

static void colliding_hashes(void **state)
{
    (void)state;
    against_model(colliding, 300, 20000);
}

static uint64_t hash_homed_at(const struct hmap *m, size_t slot)
{
    for (uint64_t h = 1; h < 10000000; h++)
        if ((size_t)((h * 0x9e3779b97f4a7c15ull) >> m->shift) == slot)
            return h;
    fail();
    return 0;
}

/* A chain that runs past the last slot and on from slot 0. Deleting
 * before it must leave the wrapped entries where they are (their home is
 * still ahead of the hole, cyclically); deleting its head must pull them
 * back. Either mistake loses entries. */
static void chain_wraps_around(void **state)
{
    (void)state;
    struct hmap m = {0};
    struct entry a = {.key = 1000}, e[20];
    assert_true(hmap_put(&m, 0, (uintptr_t)&a)); /* sizes the map */
    assert_true(hmap_remove(&m, 0, (uintptr_t)&a));
    uint64_t before_last = hash_homed_at(&m, m.cap - 2), last = hash_homed_at(&m, m.cap - 1);
    assert_true(hmap_put(&m, before_last, (uintptr_t)&a));
    for (uint32_t i = 0; i < 20; i++) {
        e[i] = (struct entry){.key = i, .in = true};
        assert_true(hmap_put(&m, last, (uintptr_t)&e[i]));
    }
    assert_true(hmap_remove(&m, before_last, (uintptr_t)&a));
    for (uint32_t i = 0; i < 20; i++)
        assert_int_equal(hmap_get(&m, last, same_key, &e[i].key, NULL), (uintptr_t)&e[i]);
    assert_true(hmap_remove(&m, last, (uintptr_t)&e[0]));
    for (uint32_t i = 1; i < 20; i++)
        assert_int_equal(hmap_get(&m, last, same_key, &e[i].key, NULL), (uintptr_t)&e[i]);
    assert_int_equal(hmap_get(&m, last, same_key, &e[0].key, NULL), 0);
    hmap_free(&m);
}

static void edges(void **state)
{
    (void)state;
    struct hmap m = {0};
    uint32_t k = 7;
    struct entry e = {.key = 7};
    assert_int_equal(hmap_get(&m, 1, same_key, &k, NULL), 0); /* never sized */
    assert_false(hmap_remove(&m, 1, (uintptr_t)&e));
    assert_false(hmap_put(&m, 1, 0)); /* 0 means empty: refused */
    assert_true(hmap_put(&m, 1, (uintptr_t)&e));
    size_t cap = m.cap;
    hmap_clear(&m);
    assert_int_equal(m.n, 0);
    assert_int_equal(m.cap, cap);
    assert_int_equal(hmap_get(&m, 1, same_key, &k, NULL), 0);
    size_t at = 0;
    assert_int_equal(hmap_each(&m, &at), 0);
    hmap_free(&m);
    assert_null(m.slots);
    assert_int_equal(m.cap, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(spread_hashes),
        cmocka_unit_test(colliding_hashes),
        cmocka_unit_test(chain_wraps_around),
        cmocka_unit_test(edges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
