package bank

import "net/http"

// cors answers cross-origin requests (OpenID Connect Discovery sections 3 and 4: the discovery document,
// jwks_uri and the endpoints clients call SHOULD support CORS, for browser-based clients): any origin may
// read the public documents and call the endpoints, which authenticate the client themselves, never by
// cookie. The authorization endpoint is left out (CORS there is NOT RECOMMENDED). It reports whether it
// answered the request, a preflight.
func (b *Bank) cors(w http.ResponseWriter, r *http.Request) (answered bool) {
	if r.Header.Get("Origin") == "" || r.URL.Path == authorizePath || b.has("no-cors") {
		return false
	}
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", "*")
	if r.Method != http.MethodOptions || r.Header.Get("Access-Control-Request-Method") == "" {
		return false
	}
	h.Set("Access-Control-Allow-Methods", "GET, POST, PUT, DELETE")
	h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type")
	h.Set("Access-Control-Max-Age", "600")
	w.WriteHeader(http.StatusNoContent)
	return true
}
