exit 0
#separator \x09
#set_separator	,
#empty_field	(empty)
#unset_field	-
#path	ssl
#fields	ts	uid	id.orig_h	id.orig_p	id.resp_h	id.resp_p	version	cipher	curve	server_name	resumed	last_alert	next_protocol	established	ssl_history	cert_chain_fps	client_cert_chain_fps	sni_matches_cert
#types	time	string	addr	port	addr	port	string	string	string	string	bool	string	string	bool	string	vector[string]	vector[string]	bool
1795311423.693206	CRJUWiYDCbcocUDkR	127.0.0.1	32888	127.0.0.1	44329	TLSv13	TLS_AES_256_GCM_SHA384	x25519	localhost	F	-	-	T	CsiI	-	-	-
1795311423.996351	C1NmqWI5GQrTrt4DNF	127.0.0.1	32902	127.0.0.1	44329	TLSv13	TLS_AES_256_GCM_SHA384	x25519	localhost	F	-	-	T	CsiI	-	-	-
1795311424.300253	C1JALwTpQdxBEYIVdU	127.0.0.1	32912	127.0.0.1	44329	TLSv13	TLS_AES_256_GCM_SHA384	x25519	localhost	F	-	-	T	CsiI	-	-	-
1795311424.601390	C1VKObTnGaXZgOaqkL	127.0.0.1	32928	127.0.0.1	44329	TLSv13	TLS_AES_256_GCM_SHA384	x25519	localhost	F	-	-	T	CsiI	-	-	-
1795311424.902149	C1O0oYH8DWUrSmKn0R	127.0.0.1	32942	127.0.0.1	44329	TLSv13	TLS_AES_256_GCM_SHA384	x25519	localhost	F	-	-	T	CsiI	-	-	-
1795311425.209879	C1EcDMWyYR98fkFsAb	127.0.0.1	32954	127.0.0.1	44329	TLSv13	TLS_AES_256_GCM_SHA384	x25519	localhost	F	-	-	T	CsiI	-	-	-
1795311425.511430	CuF0VoMr2kfevH4U8	127.0.0.1	32966	127.0.0.1	44329	TLSv13	TLS_AES_256_GCM_SHA384	x25519	localhost	F	-	-	T	CsiI	-	-	-
1795311425.810649	CCsgsbSzvLnT560DH	127.0.0.1	48962	127.0.0.1	44329	TLSv13	TLS_AES_256_GCM_SHA384	x25519	localhost	F	-	-	T	CsiI	-	-	-
1795311426.106582	C1eQRhnEyovXFm3Acr	127.0.0.1	48966	127.0.0.1	44329	TLSv13	TLS_AES_256_GCM_SHA384	x25519	localhost	F	-	-	T	CsiI	-	-	-
1795311426.410777	Ch18fd8L2nGqX5aar	127.0.0.1	48976	127.0.0.1	44329	TLSv13	TLS_AES_256_GCM_SHA384	x25519	localhost	F	-	-	T	CsiI	-	-	-
1795311426.726203	C18dexUAr0qHQmJMYk	127.0.0.1	48986	127.0.0.1	44329	TLSv13	TLS_AES_256_GCM_SHA384	x25519	localhost	F	-	-	T	CsiI	-	-	-
1795311427.014869	C1ZdG0kxMZakew7rDI	127.0.0.1	48996	127.0.0.1	44329	TLSv13	TLS_AES_256_GCM_SHA384	x25519	localhost	F	-	-	T	CsiI	-	-	-
#separator \x09
#set_separator	,
#empty_field	(empty)
#unset_field	-
#path	x509
#fields	ts	fingerprint	certificate.version	certificate.serial	certificate.subject	certificate.issuer	certificate.not_valid_before	certificate.not_valid_after	certificate.key_alg	certificate.sig_alg	certificate.key_type	certificate.key_length	certificate.exponent	certificate.curve	san.dns	san.uri	san.email	san.ip	basic_constraints.ca	basic_constraints.path_len	host_cert	client_cert
#types	time	string	count	string	string	string	time	time	string	string	string	count	string	string	vector[string]	vector[string]	vector[string]	vector[addr]	bool	count	bool	bool
