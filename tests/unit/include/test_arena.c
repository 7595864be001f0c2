#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "include/arena.h"
#include "include/session.h"

static void allocations_are_zeroed_and_aligned(void **state)
{
    (void)state;
    struct arena *a = arena_new();
    for (size_t n = 1; n < 5000; n += 97) {
        unsigned char *p = arena_alloc(a, n);
        assert_non_null(p);
        assert_int_equal((uintptr_t)p % 16, 0);
        for (size_t i = 0; i < n; i++)
            assert_int_equal(p[i], 0);
        memset(p, 0xff, n);
    }
    arena_free(a);
}

static void strings_and_growth(void **state)
{
    (void)state;
    struct arena *a = arena_new();
    assert_string_equal(arena_strndup(a, "abcdef", 3), "abc");
    assert_string_equal(arena_sprintf(a, "%d-%s", 42, "x"), "42-x");
    struct {
        int *v;
        size_t n, cap;
    } list = {0};
    for (int i = 0; i < 1000; i++)
        assert_true(ARENA_PUSH(a, list, i));
    assert_int_equal(list.n, 1000);
    for (int i = 0; i < 1000; i++)
        assert_int_equal(list.v[i], i);
    arena_free(a);
}

/* A freed arena's chunks are kept dirty for the next: copies are made
 * over old bytes, not zeroed ones, and still end where they should. */
static void copies_over_reused_chunks(void **state)
{
    (void)state;
    struct arena *a = arena_new();
    memset(arena_alloc(a, 1000), 0xff, 1000);
    arena_free(a);
    a = arena_new();
    assert_string_equal(arena_strndup(a, "abcdef", 3), "abc");
    assert_string_equal(arena_strdup(a, "xyz"), "xyz");
    assert_memory_equal(arena_memdup(a, "\1\2\3", 3), "\1\2\3", 3);
    struct {
        uint32_t *v;
        size_t n, cap;
    } list = {0};
    assert_true(ARENA_PUSH(a, list, 7));
    memset(arena_alloc(a, 64), 0xff, 64);
    assert_true(ARENA_RESERVE(a, list, 20));
    assert_int_equal(list.v[0], 7);
    for (size_t i = list.n; i < list.cap; i++)
        assert_int_equal(list.v[i], 0);
    arena_free(a);
}

/* Sessions are made by a tracker and freed by the writer (-j): the
 * chunks one thread frees are taken by others, those it still held when
 * it ended among them (two of the pool's batches, and a thread's own);
 * so are those a thread took from the pool and had not used when it
 * ended. */
enum { HANDED = 64, FIRST_TAKER = 40 };

struct arenas {
    struct arena **v;
    size_t n;
};

static void *free_them(void *arg)
{
    struct arenas *a = arg;
    for (size_t i = 0; i < a->n; i++)
        arena_free(a->v[i]);
    return NULL;
}

static void *take_them(void *arg)
{
    struct arenas *a = arg;
    for (size_t i = 0; i < a->n; i++)
        a->v[i] = arena_new();
    return NULL;
}

static void on_a_thread(void *(*fn)(void *), struct arena **v, size_t n)
{
    struct arenas a = {.v = v, .n = n};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, fn, &a), 0);
    assert_int_equal(pthread_join(t, NULL), 0);
}

static void chunks_move_between_threads(void **state)
{
    (void)state;
    struct arena *made[HANDED], *taken[HANDED];
    uintptr_t was[HANDED];
    for (size_t i = 0; i < HANDED; i++) {
        made[i] = arena_new();
        assert_non_null(made[i]);
        was[i] = (uintptr_t)made[i];
    }
    on_a_thread(free_them, made, HANDED);
    on_a_thread(take_them, taken, FIRST_TAKER);
    on_a_thread(take_them, taken + FIRST_TAKER, HANDED - FIRST_TAKER);
    for (size_t i = 0; i < HANDED; i++) {
        assert_non_null(taken[i]);
        bool reused = false;
        for (size_t j = 0; j < HANDED && !reused; j++)
            reused = (uintptr_t)taken[i] == was[j];
        assert_true(reused);
        arena_free(taken[i]);
    }
}

/* Room reserved in one step: no copy while it fills, none when it was
 * there already, and the list grows on by doubling past it. */
static void reserve_then_push(void **state)
{
    (void)state;
    struct arena *a = arena_new();
    struct {
        uint16_t *v;
        size_t n, cap;
    } list = {0};
    assert_true(ARENA_RESERVE(a, list, 20));
    assert_int_equal(list.cap, 20);
    size_t used = arena_used(a);
    uint16_t *first = list.v;
    for (uint16_t i = 0; i < 20; i++)
        assert_true(ARENA_PUSH(a, list, i));
    assert_ptr_equal(list.v, first);
    assert_int_equal(arena_used(a), used);
    assert_true(ARENA_RESERVE(a, list, 0));
    assert_int_equal(arena_used(a), used);
    assert_true(ARENA_PUSH(a, list, 20));
    assert_int_equal(list.cap, 40);
    for (uint16_t i = 0; i <= 20; i++)
        assert_int_equal(list.v[i], i);
    arena_free(a);
}

static void cap_refuses_allocations(void **state)
{
    (void)state;
    struct arena *a = arena_new();
    arena_set_cap(a, 1024);
    assert_non_null(arena_alloc(a, 512));
    assert_null(arena_alloc(a, 1024));
    assert_true(arena_used(a) <= 1024);
    arena_free(a);
}

static void session_keeps_anomalies_bounded(void **state)
{
    (void)state;
    struct session *s = session_new(7);
    for (int i = 0; i < 100; i++)
        session_anomaly(s, DIR_C2S, NULL, "test", "number %d", i);
    assert_int_equal(s->anomalies.n, 64);
    assert_int_equal(s->anomalies.dropped, 36);
    assert_string_equal(s->anomalies.v[3].detail, "number 3");
    session_free(s);
}

static void session_keeps_alerts_bounded(void **state)
{
    (void)state;
    struct session *s = session_new(7);
    for (uint8_t i = 0; i < 100; i++) {
        struct alert al = {.dir = DIR_S2C, .level = 1, .desc = i, .at = {.packet = 1000u + i}};
        session_alert(s, &al);
    }
    assert_int_equal(s->alerts.n, 64);
    assert_int_equal(s->alerts.dropped, 36);
    assert_int_equal(s->alerts.v[62].desc, 62); /* the first 63 */
    assert_int_equal(s->alerts.v[63].desc, 99); /* and the latest */
    assert_int_equal(session_last_alert(s)->at.packet, 1099);
    session_free(s);
}

static void grease_values(void **state)
{
    (void)state;
    assert_true(is_grease(0x0a0a));
    assert_true(is_grease(0xfafa));
    assert_false(is_grease(0x0a1a));
    assert_false(is_grease(0x1301));
    assert_false(is_grease(0x10a0a));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(allocations_are_zeroed_and_aligned),
        cmocka_unit_test(strings_and_growth),
        cmocka_unit_test(copies_over_reused_chunks),
        cmocka_unit_test(chunks_move_between_threads),
        cmocka_unit_test(reserve_then_push),
        cmocka_unit_test(cap_refuses_allocations),
        cmocka_unit_test(session_keeps_alerts_bounded),
        cmocka_unit_test(session_keeps_anomalies_bounded),
        cmocka_unit_test(grease_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
