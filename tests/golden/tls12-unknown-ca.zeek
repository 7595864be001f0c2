exit 0
#separator \x09
#set_separator	,
#empty_field	(empty)
#unset_field	-
#path	ssl
#fields	ts	uid	id.orig_h	id.orig_p	id.resp_h	id.resp_p	version	cipher	curve	server_name	resumed	last_alert	next_protocol	established	ssl_history	cert_chain_fps	client_cert_chain_fps	sni_matches_cert
#types	time	string	addr	port	addr	port	string	string	string	string	bool	string	string	bool	string	vector[string]	vector[string]	bool
1795309580.408535	CYJl7njY2c3OOhDdO	127.0.0.1	34494	127.0.0.1	44310	TLSv12	TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384	x25519	localhost	F	unknown_ca	-	F	CsxknL	83b44229dc44cb323f6a6ad8a31927cd6b890802eb1a5fc4c498e426a492eddf	(empty)	T
#separator \x09
#set_separator	,
#empty_field	(empty)
#unset_field	-
#path	x509
#fields	ts	fingerprint	certificate.version	certificate.serial	certificate.subject	certificate.issuer	certificate.not_valid_before	certificate.not_valid_after	certificate.key_alg	certificate.sig_alg	certificate.key_type	certificate.key_length	certificate.exponent	certificate.curve	san.dns	san.uri	san.email	san.ip	basic_constraints.ca	basic_constraints.path_len	host_cert	client_cert
#types	time	string	count	string	string	string	time	time	string	string	string	count	string	string	vector[string]	vector[string]	vector[string]	vector[addr]	bool	count	bool	bool
1795309580.409617	83b44229dc44cb323f6a6ad8a31927cd6b890802eb1a5fc4c498e426a492eddf	3	71B2C70AE2F066CA755D601FAED2676A48294F33	CN=localhost,O=nobody,C=US	CN=localhost,O=nobody,C=US	1795309568.000000	2110669568.000000	rsaEncryption	sha256WithRSAEncryption	rsa	2048	65537	-	-	-	-	-	T	-	T	F
