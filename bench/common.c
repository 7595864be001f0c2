#define _DEFAULT_SOURCE /* timegm */
#include "common.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

const char *bench_tool = "bench";

void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s: ", bench_tool);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    ERR_print_errors_fp(stderr);
    exit(1);
}

int64_t capture_start(const char *cert_path)
{
    FILE *f = fopen(cert_path, "r");
    X509 *x = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
    struct tm tm;
    if (f)
        fclose(f);
    if (!x || ASN1_TIME_to_tm(X509_get0_notBefore(x), &tm) != 1)
        die("%s: cannot read its validity", cert_path);
    X509_free(x);
    return (int64_t)timegm(&tm) + 86400;
}
