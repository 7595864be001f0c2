exit 0
#separator \x09
#set_separator	,
#empty_field	(empty)
#unset_field	-
#path	ssl
#fields	ts	uid	id.orig_h	id.orig_p	id.resp_h	id.resp_p	version	cipher	curve	server_name	resumed	last_alert	next_protocol	established	ssl_history	cert_chain_fps	client_cert_chain_fps	sni_matches_cert
#types	time	string	addr	port	addr	port	string	string	string	string	bool	string	string	bool	string	vector[string]	vector[string]	bool
1795311413.038081	C1a2vpHZLHu1bKGScY	127.0.0.1	51186	127.0.0.1	44320	TLSv12	TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384	x25519	-	F	-	-	T	CsxknGIti	30b7aa85529ed02407d8dec3223343a51da2ceb0183a3a75fc8d6d59fbb5a111	(empty)	-
#separator \x09
#set_separator	,
#empty_field	(empty)
#unset_field	-
#path	x509
#fields	ts	fingerprint	certificate.version	certificate.serial	certificate.subject	certificate.issuer	certificate.not_valid_before	certificate.not_valid_after	certificate.key_alg	certificate.sig_alg	certificate.key_type	certificate.key_length	certificate.exponent	certificate.curve	san.dns	san.uri	san.email	san.ip	basic_constraints.ca	basic_constraints.path_len	host_cert	client_cert
#types	time	string	count	string	string	string	time	time	string	string	string	count	string	string	vector[string]	vector[string]	vector[string]	vector[addr]	bool	count	bool	bool
1795311413.039557	30b7aa85529ed02407d8dec3223343a51da2ceb0183a3a75fc8d6d59fbb5a111	3	72BA38EE110885AD1600E8AC714575EEDF5C3459	CN=localhost,O=tlsscope test,C=US	CN=tlsscope test CA,O=tlsscope test,C=US	1795311356.000000	2110671356.000000	rsaEncryption	sha256WithRSAEncryption	rsa	2048	65537	-	localhost	-	-	-	F	-	T	F
