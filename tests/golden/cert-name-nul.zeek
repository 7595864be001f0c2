exit 0
#separator \x09
#set_separator	,
#empty_field	(empty)
#unset_field	-
#path	ssl
#fields	ts	uid	id.orig_h	id.orig_p	id.resp_h	id.resp_p	version	cipher	curve	server_name	resumed	last_alert	next_protocol	established	ssl_history	cert_chain_fps	client_cert_chain_fps	sni_matches_cert
#types	time	string	addr	port	addr	port	string	string	string	string	bool	string	string	bool	string	vector[string]	vector[string]	bool
1796453254.597094	CicYt6zjTrzCks0g4	127.0.0.1	47866	127.0.0.1	44364	TLSv12	TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384	x25519	www.example.com	F	-	-	T	CsxknGIti	9d97c6ee54e1f69ec5d4aa23e16984e12f8241568afdef6ed5b15ebc252b7ddf	(empty)	F
#separator \x09
#set_separator	,
#empty_field	(empty)
#unset_field	-
#path	x509
#fields	ts	fingerprint	certificate.version	certificate.serial	certificate.subject	certificate.issuer	certificate.not_valid_before	certificate.not_valid_after	certificate.key_alg	certificate.sig_alg	certificate.key_type	certificate.key_length	certificate.exponent	certificate.curve	san.dns	san.uri	san.email	san.ip	basic_constraints.ca	basic_constraints.path_len	host_cert	client_cert
#types	time	string	count	string	string	string	time	time	string	string	string	count	string	string	vector[string]	vector[string]	vector[string]	vector[addr]	bool	count	bool	bool
1796453254.598697	9d97c6ee54e1f69ec5d4aa23e16984e12f8241568afdef6ed5b15ebc252b7ddf	3	0BA7A048B96211FFA706AFAB69365C1661A9315F	CN=www.example.com,O=tlsscope test,C=US	CN=tlsscope test CA,O=tlsscope test,C=US	1796453253.000000	2111813253.000000	rsaEncryption	sha256WithRSAEncryption	rsa	2048	65537	-	www.example.com\x00.evil.test	https://www.example.com\x00.evil.test/	admin@www.example.com\x00.evil.test	-	F	-	T	F
