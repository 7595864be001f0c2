exit 0
#separator \x09
#set_separator	,
#empty_field	(empty)
#unset_field	-
#path	ssl
#fields	ts	uid	id.orig_h	id.orig_p	id.resp_h	id.resp_p	version	cipher	curve	server_name	resumed	last_alert	next_protocol	established	ssl_history	cert_chain_fps	client_cert_chain_fps	sni_matches_cert
#types	time	string	addr	port	addr	port	string	string	string	string	bool	string	string	bool	string	vector[string]	vector[string]	bool
1795311626.310384	CgafStkezrM9vjjkG	127.0.0.1	58846	127.0.0.1	44339	TLSv12	TLS_DHE_DSS_WITH_AES_128_GCM_SHA256	-	localhost	F	-	-	T	CsxknGIti	78fb481e9891a7566cdaa86e90453a65ad466e789c2f388fabe6908881cf9113	(empty)	T
#separator \x09
#set_separator	,
#empty_field	(empty)
#unset_field	-
#path	x509
#fields	ts	fingerprint	certificate.version	certificate.serial	certificate.subject	certificate.issuer	certificate.not_valid_before	certificate.not_valid_after	certificate.key_alg	certificate.sig_alg	certificate.key_type	certificate.key_length	certificate.exponent	certificate.curve	san.dns	san.uri	san.email	san.ip	basic_constraints.ca	basic_constraints.path_len	host_cert	client_cert
#types	time	string	count	string	string	string	time	time	string	string	string	count	string	string	vector[string]	vector[string]	vector[string]	vector[addr]	bool	count	bool	bool
1795311626.311958	78fb481e9891a7566cdaa86e90453a65ad466e789c2f388fabe6908881cf9113	3	06C65CB9A25ACA56C28F2FFC62C140DF8BF0550B	CN=localhost,O=tlsscope test,C=US	CN=tlsscope test CA,O=tlsscope test,C=US	1795311624.000000	2110671624.000000	dsaEncryption	sha256WithRSAEncryption	dsa	2048	-	-	localhost	-	-	127.0.0.1	F	-	T	F
