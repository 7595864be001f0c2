exit 0
#separator \x09
#set_separator	,
#empty_field	(empty)
#unset_field	-
#path	ssl
#fields	ts	uid	id.orig_h	id.orig_p	id.resp_h	id.resp_p	version	cipher	curve	server_name	resumed	last_alert	next_protocol	established	ssl_history	cert_chain_fps	client_cert_chain_fps	sni_matches_cert
#types	time	string	addr	port	addr	port	string	string	string	string	bool	string	string	bool	string	vector[string]	vector[string]	bool
1795331420.955570	C1QI0DGLapO2MdwEPJ	127.0.0.1	56468	127.0.0.1	44363	TLSv12	TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384	x25519	localhost	F	-	-	T	CsxknGIti	00e7f8a0a0cd950a368fe1300a32f28aae1060b409c87140960368b53a0d7d1e	(empty)	T
#separator \x09
#set_separator	,
#empty_field	(empty)
#unset_field	-
#path	x509
#fields	ts	fingerprint	certificate.version	certificate.serial	certificate.subject	certificate.issuer	certificate.not_valid_before	certificate.not_valid_after	certificate.key_alg	certificate.sig_alg	certificate.key_type	certificate.key_length	certificate.exponent	certificate.curve	san.dns	san.uri	san.email	san.ip	basic_constraints.ca	basic_constraints.path_len	host_cert	client_cert
#types	time	string	count	string	string	string	time	time	string	string	string	count	string	string	vector[string]	vector[string]	vector[string]	vector[addr]	bool	count	bool	bool
1795331420.957054	00e7f8a0a0cd950a368fe1300a32f28aae1060b409c87140960368b53a0d7d1e	3	1004	C=US,O=tlsscope test,CN=localhost	CN=tlsscope stand-in public root,O=tlsscope test,C=US	1735689600.000000	1893456000.000000	rsaEncryption	sha256WithRSAEncryption	rsa	2048	65537	-	localhost	-	-	127.0.0.1	F	-	T	F
