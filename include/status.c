#include "include/status.h"

const char *st_name(enum st s)
{
    switch (s) {
    case ST_OK: return "ok";
    case ST_SHORT: return "short";
    case ST_BAD: return "malformed";
    case ST_LIMIT: return "limit reached";
    case ST_NOMEM: return "out of memory";
    case ST_IO: return "i/o error";
    }
    return "unknown";
}
