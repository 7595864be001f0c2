exit 0
#separator \x09
#set_separator	,
#empty_field	(empty)
#unset_field	-
#path	ssl
#fields	ts	uid	id.orig_h	id.orig_p	id.resp_h	id.resp_p	version	cipher	curve	server_name	resumed	last_alert	next_protocol	established	ssl_history	cert_chain_fps	client_cert_chain_fps	sni_matches_cert
#types	time	string	addr	port	addr	port	string	string	string	string	bool	string	string	bool	string	vector[string]	vector[string]	bool
1796464871.099985	CnnSdikKFraXWwzMk	127.0.0.1	40658	127.0.0.1	44379	TLSv12	TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384	x25519	b\xc3\xbccher.example	F	-	-	T	CsxknGIti	89438037155f6510c6c61c7e2c3218be0688b165c339a4f7cbd48e36ac9a8d0b	(empty)	F
#separator \x09
#set_separator	,
#empty_field	(empty)
#unset_field	-
#path	x509
#fields	ts	fingerprint	certificate.version	certificate.serial	certificate.subject	certificate.issuer	certificate.not_valid_before	certificate.not_valid_after	certificate.key_alg	certificate.sig_alg	certificate.key_type	certificate.key_length	certificate.exponent	certificate.curve	san.dns	san.uri	san.email	san.ip	basic_constraints.ca	basic_constraints.path_len	host_cert	client_cert
#types	time	string	count	string	string	string	time	time	string	string	string	count	string	string	vector[string]	vector[string]	vector[string]	vector[addr]	bool	count	bool	bool
1796464871.104868	89438037155f6510c6c61c7e2c3218be0688b165c339a4f7cbd48e36ac9a8d0b	3	6C681362CED667FB37EA4CA5586D9A167E049ED1	CN=xn--bcher-kva.example,O=tlsscope test,C=US	CN=tlsscope test CA,O=tlsscope test,C=US	1796464859.000000	2111824859.000000	rsaEncryption	sha256WithRSAEncryption	rsa	2048	65537	-	xn--bcher-kva.example	-	-	-	F	-	T	F
