exit 0
#separator \x09
#set_separator	,
#empty_field	(empty)
#unset_field	-
#path	ssl
#fields	ts	uid	id.orig_h	id.orig_p	id.resp_h	id.resp_p	version	cipher	curve	server_name	resumed	last_alert	next_protocol	established	ssl_history	cert_chain_fps	client_cert_chain_fps	sni_matches_cert
#types	time	string	addr	port	addr	port	string	string	string	string	bool	string	string	bool	string	vector[string]	vector[string]	bool
1796464861.012184	C1Sbw1JkHy7612WQYi	127.0.0.1	49488	127.0.0.1	44375	TLSv12	TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256	x25519	localhost	F	-	-	T	CsxknGIti	063a13ebf0e49b1ace5881d1f85b114e0db50dd61c0d22145571901c48f1c976	(empty)	T
#separator \x09
#set_separator	,
#empty_field	(empty)
#unset_field	-
#path	x509
#fields	ts	fingerprint	certificate.version	certificate.serial	certificate.subject	certificate.issuer	certificate.not_valid_before	certificate.not_valid_after	certificate.key_alg	certificate.sig_alg	certificate.key_type	certificate.key_length	certificate.exponent	certificate.curve	san.dns	san.uri	san.email	san.ip	basic_constraints.ca	basic_constraints.path_len	host_cert	client_cert
#types	time	string	count	string	string	string	time	time	string	string	string	count	string	string	vector[string]	vector[string]	vector[string]	vector[addr]	bool	count	bool	bool
1796464861.013705	063a13ebf0e49b1ace5881d1f85b114e0db50dd61c0d22145571901c48f1c976	3	3DAE445AB1ECF1FBF8D356939816DF0E96813055	CN=localhost,O=tlsscope test,C=US	CN=tlsscope test CA,O=tlsscope test,C=US	1796464858.000000	2111824858.000000	ED25519	sha256WithRSAEncryption	ed25519	256	-	-	localhost	-	-	127.0.0.1	F	-	T	F
