package bank

import (
	"bytes"
	"crypto/x509"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
)

// patches reports whether the bank takes PATCH at d's client configuration endpoint: the choice
// Choices.MergePatch, for the plain RFC 7592 management, which defines no PATCH and leaves a server free
// to support one.
func (b *Bank) patches(d *dialect) bool {
	return d.name == ProfileRFC7591 && b.cfg.Choices.MergePatch
}

// servePatch applies a PATCH as an update: the client's registered metadata with the body's members
// over it (a JSON merge, RFC 7396, one level deep), judged and answered as a PUT of the whole.
func (b *Bank) servePatch(w http.ResponseWriter, r *http.Request, d *dialect, c *client, cert *x509.Certificate) {
	var patch map[string]any
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxRegistrationBody)).Decode(&patch); err != nil {
		b.writeError(w, r, badMetadata("a PATCH body must be a JSON object: %v", err))
		return
	}
	merged := map[string]any{}
	for k, v := range c.reg.metadata {
		merged[k] = v
	}
	for k, v := range patch {
		if v == nil {
			delete(merged, k)
		} else {
			merged[k] = v
		}
	}
	merged["client_id"] = c.id
	body, err := json.Marshal(merged)
	if err != nil {
		b.writeError(w, r, badMetadata("the merged metadata: %v", err))
		return
	}
	put := r.Clone(r.Context())
	put.Method = http.MethodPut
	put.Body = io.NopCloser(bytes.NewReader(body))
	put.ContentLength = int64(len(body))
	put.Header.Set("Content-Length", strconv.Itoa(len(body)))
	b.serveUpdate(w, put, d, c, cert)
}
