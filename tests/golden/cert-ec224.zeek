exit 0
#separator \x09
#set_separator	,
#empty_field	(empty)
#unset_field	-
#path	ssl
#fields	ts	uid	id.orig_h	id.orig_p	id.resp_h	id.resp_p	version	cipher	curve	server_name	resumed	last_alert	next_protocol	established	ssl_history	cert_chain_fps	client_cert_chain_fps	sni_matches_cert
#types	time	string	addr	port	addr	port	string	string	string	string	bool	string	string	bool	string	vector[string]	vector[string]	bool
1795311625.163351	CRIse524CvoGPfzLu	127.0.0.1	54924	127.0.0.1	44338	TLSv12	TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384	x25519	localhost	F	-	-	T	CsxknGIti	cfaba4d2ade73b073049022778bfea526477eff3bea7c60c5053a37745a63afd	(empty)	T
#separator \x09
#set_separator	,
#empty_field	(empty)
#unset_field	-
#path	x509
#fields	ts	fingerprint	certificate.version	certificate.serial	certificate.subject	certificate.issuer	certificate.not_valid_before	certificate.not_valid_after	certificate.key_alg	certificate.sig_alg	certificate.key_type	certificate.key_length	certificate.exponent	certificate.curve	san.dns	san.uri	san.email	san.ip	basic_constraints.ca	basic_constraints.path_len	host_cert	client_cert
#types	time	string	count	string	string	string	time	time	string	string	string	count	string	string	vector[string]	vector[string]	vector[string]	vector[addr]	bool	count	bool	bool
1795311625.164136	cfaba4d2ade73b073049022778bfea526477eff3bea7c60c5053a37745a63afd	3	0E25D5449A56BDBA1775210FC7711EFAF0C54BA8	CN=localhost,O=tlsscope test,C=US	CN=tlsscope test CA,O=tlsscope test,C=US	1795311624.000000	2110671624.000000	id-ecPublicKey	sha256WithRSAEncryption	ecdsa	224	-	secp224r1	localhost	-	-	127.0.0.1	F	-	T	F
