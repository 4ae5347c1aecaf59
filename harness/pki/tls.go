package pki

import "crypto/tls"

// BCP195Suites are the TLS 1.2 cipher suites BCP 195 (RFC 9325 section 4.2) recommends, the only ones
// FAPI 1.0 Part 2 section 8.5 permits; TLS 1.3's suites are not configurable and all AEAD.
func BCP195Suites() []uint16 {
	return []uint16{
		tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
		tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	}
}
