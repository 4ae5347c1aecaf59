package bank

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/dcrconform/dcrconform/harness/joseutil"
)

const (
	maxRegistrationBody = 64 << 10
	noLimitBody         = 8 << 20 // what the no-body-limit defect still reads, to stay bounded
)

// registrationRequest is a registration (POST) or update (PUT) body, decoded but not verified.
type registrationRequest struct {
	raw    string // the compact JWS; empty for an unsigned JSON body
	alg    string // the JWS alg header
	claims claims
}

// readRegistrationRequest checks the Content-Type and size of a registration body and decodes it.
func (b *Bank) readRegistrationRequest(w http.ResponseWriter, r *http.Request, d *dialect) (*registrationRequest, *apiError) {
	contentType := r.Header.Get("Content-Type")
	mediaType, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		mediaType = ""
	}
	isJSON := mediaType == "application/json"
	// 3.1 defines application/jose, 3.2 and 3.3 application/jwt; the bank takes either at every version.
	isJWT := mediaType == "application/jwt" || mediaType == "application/jose" && !(d.version == "3.1" && b.has("v31-jwt-only"))
	jsonBody := d.jsonBody || (isJSON && b.has("accept-json-body"))
	accepted := (d.jsonBody && isJSON) || (!d.jsonBody && (isJWT || jsonBody))
	if !accepted && !b.has("ignore-content-type") {
		want := "application/jwt or application/jose"
		if d.jsonBody {
			want = "application/json"
		}
		return nil, b.badBody(http.StatusUnsupportedMediaType, "Content-Type must be %s, not %q", want, contentType)
	}
	limit := int64(maxRegistrationBody)
	if b.has("no-body-limit") {
		limit = noLimitBody
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		if _, tooBig := errors.AsType[*http.MaxBytesError](err); tooBig {
			return nil, b.badBody(http.StatusRequestEntityTooLarge, "the request body is over %d bytes", limit)
		}
		return nil, b.badBody(http.StatusBadRequest, "cannot read the request body")
	}
	text := strings.TrimSpace(string(body))
	if text == "" {
		if b.has("server-error-on-empty-body") {
			return nil, newError(http.StatusInternalServerError, errServerError, "unexpected end of input")
		}
		return nil, b.badBody(http.StatusBadRequest, "the request body is empty")
	}
	if jsonBody {
		var c claims
		d := json.NewDecoder(bytes.NewReader(body))
		d.UseNumber()
		if err := d.Decode(&c); err != nil || c == nil {
			return nil, b.badBody(http.StatusBadRequest, "the request body is not a JSON object")
		}
		return &registrationRequest{claims: c}, nil
	}
	header, payload, err := joseutil.Decode(text)
	if err != nil && b.has("server-error-on-malformed-jwt") {
		return nil, newError(http.StatusInternalServerError, errServerError, "cannot parse the request")
	}
	if err != nil {
		return nil, b.badBody(http.StatusBadRequest, "the request body is not a compact JWS: %v", err)
	}
	if payload == nil {
		return nil, b.badBody(http.StatusBadRequest, "the request JWT payload is not a JSON object")
	}
	if typ, ok := header["typ"].(string); ok && typ != "JWT" && b.has("request-typ-exact") {
		return nil, badMetadata("the request JWT's typ %q is not JWT", typ)
	}
	alg, _ := header["alg"].(string)
	return &registrationRequest{raw: text, alg: alg, claims: payload}, nil
}
