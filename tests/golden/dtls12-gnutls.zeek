exit 0
#separator \x09
#set_separator	,
#empty_field	(empty)
#unset_field	-
#path	ssl
#fields	ts	uid	id.orig_h	id.orig_p	id.resp_h	id.resp_p	version	cipher	curve	server_name	resumed	last_alert	next_protocol	established	ssl_history	cert_chain_fps	client_cert_chain_fps	sni_matches_cert
#types	time	string	addr	port	addr	port	string	string	string	string	bool	string	string	bool	string	vector[string]	vector[string]	bool
1796498308.186766	CMmHBRZUPVEb9LtLg	127.0.0.1	40743	127.0.0.1	44387	DTLSv12	TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384	secp256r1	localhost	F	-	-	T	CvCsxkrnXGIti	c4f30d0223de8a0cc1ca89e905da0054c8399212b348248e748e8afc6d6e0e93	(empty)	T
#separator \x09
#set_separator	,
#empty_field	(empty)
#unset_field	-
#path	x509
#fields	ts	fingerprint	certificate.version	certificate.serial	certificate.subject	certificate.issuer	certificate.not_valid_before	certificate.not_valid_after	certificate.key_alg	certificate.sig_alg	certificate.key_type	certificate.key_length	certificate.exponent	certificate.curve	san.dns	san.uri	san.email	san.ip	basic_constraints.ca	basic_constraints.path_len	host_cert	client_cert
#types	time	string	count	string	string	string	time	time	string	string	string	count	string	string	vector[string]	vector[string]	vector[string]	vector[addr]	bool	count	bool	bool
1796498308.238526	c4f30d0223de8a0cc1ca89e905da0054c8399212b348248e748e8afc6d6e0e93	3	5E1DF15A9FEE693A1DA5DBE9515AF0B6C9B82758	CN=localhost,O=tlsscope test,C=US	CN=tlsscope test CA,O=tlsscope test,C=US	1795309568.000000	2110669568.000000	id-ecPublicKey	sha256WithRSAEncryption	ecdsa	256	-	prime256v1	localhost	-	-	127.0.0.1	F	-	T	F
