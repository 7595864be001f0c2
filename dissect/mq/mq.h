#pragma once

/* IBM MQ facts: CipherSpec names (SSLCIPH values) and the channel name
 * carried in the TLS server_name as <escaped-channel>.chl.mq.ibm.com. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum mq_key { MQ_KEY_ANY, MQ_KEY_RSA, MQ_KEY_ECDSA };

struct mq_cipherspec {
    const char *name;      /* the SSLCIPH value */
    uint16_t code;         /* IANA cipher suite */
    uint16_t version;      /* protocol the CipherSpec implies */
    enum mq_key key;       /* certificate key type it needs */
    bool deprecated;       /* rejected unless re-enabled */
};

extern const struct mq_cipherspec mq_cipherspecs[];
extern const size_t mq_n_cipherspecs;

/* mq_cipherspec_find - the CipherSpec for a negotiated (version, suite), or
 * NULL: MQ names depend on the protocol as well as the suite. */
const struct mq_cipherspec *mq_cipherspec_find(uint16_t version, uint32_t code);
/* mq_cipherspec_by_name - look an SSLCIPH value up (case-insensitive). */
const struct mq_cipherspec *mq_cipherspec_by_name(const char *name);

/* mq_sslciph_accepts - would a channel whose SSLCIPH is `sslciph` accept a
 * session negotiated at (version, suite)? Handles CipherSpec names and the
 * ANY, ANY_TLS12, ANY_TLS12_OR_HIGHER, ANY_TLS13, ANY_TLS13_OR_HIGHER lists;
 * *known is false when MQ would reject the SSLCIPH value itself. */
bool mq_sslciph_accepts(const char *sslciph, uint16_t version, uint32_t code,
                        bool *known);
/* mq_sslciph_is_list - is this one of the ANY* list names? */
bool mq_sslciph_is_list(const char *sslciph);

/* mq_sni_decode - the channel name in an MQ-style server_name. Returns
 * false when the name lacks the .chl.mq.ibm.com suffix or the label could
 * not have come from the MQ mapping. *canonical is false when the label
 * decodes but an MQ client would have written it differently. out must
 * hold MQ_CHANNEL_MAX + 1 bytes. */
enum { MQ_CHANNEL_MAX = 20 };
bool mq_sni_decode(const uint8_t *sni, size_t len, char *out, bool *canonical);
/* mq_sni_encode - the server_name an MQ client sends for a channel; false
 * when the channel name is empty or too long. out holds at least 80 bytes. */
bool mq_sni_encode(const char *channel, char *out, size_t outlen);
