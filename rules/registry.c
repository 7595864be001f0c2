/* The rule table: adding a rule is one entry here plus its function. The
 * order is the order `tlsscope rules` lists them in. */
#include "rules/internal.h"

#include <string.h>

extern const struct rule rule_capture_clock, rule_cert_expired, rule_cert_not_yet_valid, rule_cert_expiring,
    rule_cert_validity_too_long, rule_cert_weak_rsa, rule_cert_weak_ec, rule_cert_dsa,
    rule_cert_weak_signature, rule_cert_self_signed_leaf, rule_cert_chain_order,
    rule_cert_chain_incomplete, rule_cert_untrusted, rule_cert_key_usage, rule_cert_sni_mismatch,
    rule_cert_ip_not_in_san, rule_cert_name_nul, rule_cert_ocsp_url, rule_key_type_mismatch, rule_no_shared_cipher,
    rule_protocol_version_mismatch, rule_weak_protocol, rule_weak_cipher, rule_weak_cipher_offered,
    rule_no_forward_secrecy, rule_cbc_sha1, rule_cipher_not_allowed, rule_weak_dh,
    rule_tls_compression, rule_insecure_renegotiation, rule_no_ems, rule_heartbeat_overread,
    rule_client_cert_missing, rule_cert_sigalg_not_offered, rule_rsa_without_pss,
    rule_hello_retry, rule_alert_explained, rule_slow_handshake, rule_mq_plaintext,
    rule_mq_server_plaintext, rule_mq_closed_after_hello, rule_mq_cipherspec_mismatch,
    rule_mq_sni_not_channel, rule_mq_sslcauth, rule_mq_sslpeer, rule_mq_key_reset, rule_one_direction, rule_peer_not_tls,
    rule_silent_close, rule_quic_no_answer, rule_quic_version_negotiation, rule_quic_retry, rule_quic_closed;
extern const struct capture_rule rule_many_connections, rule_server_grade, rule_client_audit,
    rule_key_type_confirmed, rule_revocation_fetch, rule_channel_certificates, rule_mq_no_clienthello,
    rule_mq_reconnect_at_reset;

const struct rule *const session_rules[] = {
    /* certificates */
    &rule_capture_clock,
    &rule_cert_expired,
    &rule_cert_not_yet_valid,
    &rule_cert_expiring,
    &rule_cert_validity_too_long,
    &rule_cert_weak_rsa,
    &rule_cert_weak_ec,
    &rule_cert_dsa,
    &rule_cert_weak_signature,
    &rule_cert_self_signed_leaf,
    &rule_cert_chain_order,
    &rule_cert_chain_incomplete,
    &rule_cert_untrusted,
    &rule_cert_key_usage,
    &rule_cert_sni_mismatch,
    &rule_cert_name_nul,
    &rule_cert_ip_not_in_san,
    &rule_cert_ocsp_url,
    /* negotiation */
    &rule_key_type_mismatch,
    &rule_no_shared_cipher,
    &rule_protocol_version_mismatch,
    &rule_weak_protocol,
    &rule_weak_cipher,
    &rule_weak_cipher_offered,
    &rule_no_forward_secrecy,
    &rule_cbc_sha1,
    &rule_cipher_not_allowed,
    &rule_weak_dh,
    &rule_tls_compression,
    &rule_insecure_renegotiation,
    &rule_no_ems,
    &rule_heartbeat_overread,
    &rule_client_cert_missing,
    &rule_cert_sigalg_not_offered,
    &rule_rsa_without_pss,
    &rule_hello_retry,
    /* QUIC's own failures */
    &rule_quic_no_answer,
    &rule_quic_version_negotiation,
    &rule_quic_retry,
    &rule_quic_closed,
    /* the connection: checked after the messages, the fallbacks in this order */
    &rule_peer_not_tls,
    &rule_one_direction,
    &rule_silent_close,
    &rule_alert_explained,
    &rule_slow_handshake,
    /* IBM MQ */
    &rule_mq_plaintext,
    &rule_mq_server_plaintext,
    &rule_mq_closed_after_hello,
    &rule_mq_cipherspec_mismatch,
    &rule_mq_sni_not_channel,
    &rule_mq_sslcauth,
    &rule_mq_sslpeer,
    &rule_mq_key_reset,
};
const size_t n_session_rules = ARRAY_LEN(session_rules);

const struct capture_rule *const capture_rules[] = {
    &rule_key_type_confirmed,
    &rule_many_connections,
    &rule_revocation_fetch,
    &rule_channel_certificates,
    &rule_mq_no_clienthello,
    &rule_mq_reconnect_at_reset,
    &rule_server_grade,
    &rule_client_audit,
};
const size_t n_capture_rules = ARRAY_LEN(capture_rules);

size_t rules_count(void)
{
    return n_session_rules + n_capture_rules;
}

const struct rule_info *rules_at(size_t i)
{
    if (i < n_session_rules)
        return &session_rules[i]->info;
    i -= n_session_rules;
    return i < n_capture_rules ? &capture_rules[i]->rule.info : NULL;
}

void rules_advice(size_t i, const char **fix, const char **mq)
{
    const struct rule *r = i < n_session_rules ? session_rules[i]
                         : i - n_session_rules < n_capture_rules ? &capture_rules[i - n_session_rules]->rule
                                                                 : NULL;
    *fix = r && r->fix && r->fix[0] ? r->fix : NULL;
    *mq = r ? r->mq : NULL;
}

const struct rule_info *rules_find(const char *id)
{
    for (size_t i = 0; i < rules_count(); i++)
        if (strcmp(rules_at(i)->id, id) == 0)
            return rules_at(i);
    return NULL;
}
