exit 0
#separator \x09
#set_separator	,
#empty_field	(empty)
#unset_field	-
#path	ssl
#fields	ts	uid	id.orig_h	id.orig_p	id.resp_h	id.resp_p	version	cipher	curve	server_name	resumed	last_alert	next_protocol	established	ssl_history	cert_chain_fps	client_cert_chain_fps	sni_matches_cert
#types	time	string	addr	port	addr	port	string	string	string	string	bool	string	string	bool	string	vector[string]	vector[string]	bool
1795311406.146361	CH8rnw0xC6pBYg7br	127.0.0.1	48244	127.0.0.1	44314	TLSv12	TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384	x25519	localhost	F	-	-	T	CsxknGIti	2a1fccd33807816a193558ea89c327da162ffb1e9e0724cfd78bba17be74a982	(empty)	T
#separator \x09
#set_separator	,
#empty_field	(empty)
#unset_field	-
#path	x509
#fields	ts	fingerprint	certificate.version	certificate.serial	certificate.subject	certificate.issuer	certificate.not_valid_before	certificate.not_valid_after	certificate.key_alg	certificate.sig_alg	certificate.key_type	certificate.key_length	certificate.exponent	certificate.curve	san.dns	san.uri	san.email	san.ip	basic_constraints.ca	basic_constraints.path_len	host_cert	client_cert
#types	time	string	count	string	string	string	time	time	string	string	string	count	string	string	vector[string]	vector[string]	vector[string]	vector[addr]	bool	count	bool	bool
1795311406.147299	2a1fccd33807816a193558ea89c327da162ffb1e9e0724cfd78bba17be74a982	3	2745341D6BE91F6223BFFBF774C8F71F3CA8415D	CN=localhost,O=tlsscope test,C=US	CN=tlsscope test CA,O=tlsscope test,C=US	1795311355.000000	2110671355.000000	rsaEncryption	sha256WithRSAEncryption	rsa	1024	65537	-	localhost	-	-	127.0.0.1	F	-	T	F
