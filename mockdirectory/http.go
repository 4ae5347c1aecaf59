package mockdirectory

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"
)

// MaxBodyBytes caps admin request bodies.
const MaxBodyBytes = 1 << 20

// router registers each path pattern once (so that Go's ServeMux never answers on its own) and answers
// 405 with a JSON body and an Allow header for methods a path does not serve.
type router struct {
	mux    *http.ServeMux
	routes map[string]map[string]http.HandlerFunc
	gate   func(http.ResponseWriter, *http.Request) bool // if set, runs before every route and may answer instead
}

func newRouter() *router {
	rt := &router{mux: http.NewServeMux(), routes: map[string]map[string]http.HandlerFunc{}}
	rt.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "no such resource: "+r.URL.Path, "")
	})
	return rt
}

func (rt *router) handle(method, pattern string, h http.HandlerFunc) {
	methods, ok := rt.routes[pattern]
	if !ok {
		methods = map[string]http.HandlerFunc{}
		rt.routes[pattern] = methods
		rt.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			h, ok := methods[r.Method]
			if !ok && r.Method == http.MethodHead {
				h, ok = methods[http.MethodGet]
			}
			if !ok {
				allow := make([]string, 0, len(methods))
				for m := range methods {
					allow = append(allow, m)
				}
				slices.Sort(allow)
				w.Header().Set("Allow", strings.Join(allow, ", "))
				writeError(w, http.StatusMethodNotAllowed, "method "+r.Method+" not allowed on "+r.URL.Path, "")
				return
			}
			if rt.gate != nil && !rt.gate(w, r) {
				return
			}
			h(w, r)
		})
	}
	methods[method] = checkPathIDs(pattern, h)
}

// maxPathSegment bounds each segment of a request path (ids are at most 64 characters, kids 128).
const maxPathSegment = 256

// checkPath refuses paths no route serves and that ServeMux would otherwise clean or redirect: "." and ".."
// segments, encoded slashes, control characters, invalid UTF-8 and overlong segments. "" means fine.
func checkPath(u *url.URL) string {
	if strings.Contains(strings.ToLower(u.RawPath), "%2f") {
		return "an encoded '/' in a path segment"
	}
	for _, seg := range strings.Split(u.Path, "/") {
		switch {
		case seg == "." || seg == "..":
			return "'.' and '..' segments are not allowed"
		case len(seg) > maxPathSegment:
			return fmt.Sprintf("a segment of %d bytes: at most %d", len(seg), maxPathSegment)
		case !utf8.ValidString(seg):
			return "invalid UTF-8"
		case strings.ContainsFunc(seg, func(r rune) bool { return r < 0x20 || r == 0x7f }):
			return "control characters are not allowed"
		}
	}
	return ""
}

// checkPathIDs answers 400 naming the parameter when the {id} or {kid} of pattern is malformed, before h.
func checkPathIDs(pattern string, h http.HandlerFunc) http.HandlerFunc {
	hasID, hasKid := strings.Contains(pattern, "{id}"), strings.Contains(pattern, "{kid}")
	if !hasID && !hasKid {
		return h
	}
	return func(w http.ResponseWriter, r *http.Request) {
		if id := r.PathValue("id"); hasID && !idPattern.MatchString(id) {
			writeError(w, http.StatusBadRequest, "id: the path's id "+idRule, "id")
			return
		}
		if kid := r.PathValue("kid"); hasKid && !kidPattern.MatchString(kid) {
			writeError(w, http.StatusBadRequest, "kid: the path's kid must be 1 to 128 characters of A-Z, a-z, 0-9, '_' or '-'", "kid")
			return
		}
		h(w, r)
	}
}

func (d *Directory) routes() http.Handler {
	pub := newRouter()
	pub.handle("GET", "/healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	pub.handle("GET", CABundlePath, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-pem-file")
		_, _ = w.Write(d.caBundle)
	})
	pub.handle("GET", DirectoryJWKSPath, d.serveSet)
	pub.handle("GET", CDRJWKSPath, d.serveSet)
	pub.handle("GET", "/{org}/{file}", d.serveSet)
	pub.handle("GET", "/{org}/revoked/{file}", d.serveSet)
	// The register's SSA endpoint hands out signed SSAs: it needs the admin token like the admin API.
	pub.handle("GET", "/cdr-register/v1/{industry}/data-recipients/brands/{brandId}/software-products/{softwareProductId}/ssa",
		d.adminAuth(http.HandlerFunc(d.cdrSSA)).ServeHTTP)
	pub.handle("GET", "/cdr-register/v1/{industry}/data-recipients/brands/software-products/status", d.cdrSoftwareStatus)
	pub.handle("GET", "/cdr-register/v1/{industry}/data-recipients/status", d.cdrRecipientStatus)

	adm := newRouter()
	adm.gate = d.scopeGate
	adm.handle("GET", "/admin/organisations", d.adminListOrgs)
	adm.handle("POST", "/admin/organisations", d.adminCreateOrg)
	adm.handle("GET", "/admin/organisations/{id}", d.adminGetOrg)
	adm.handle("PATCH", "/admin/organisations/{id}", d.adminOrgStatus)
	adm.handle("PATCH", "/admin/organisations/{id}/status", d.adminOrgStatus)
	adm.handle("GET", "/admin/organisations/{id}/software", d.adminListSoftware)
	adm.handle("POST", "/admin/organisations/{id}/software", d.adminCreateSoftware)
	adm.handle("GET", "/admin/software", d.adminListSoftware)
	adm.handle("POST", "/admin/software", d.adminCreateSoftware)
	adm.handle("GET", "/admin/software/{id}", d.adminGetSoftware)
	adm.handle("PATCH", "/admin/software/{id}", d.adminSoftwareStatus)
	adm.handle("PATCH", "/admin/software/{id}/status", d.adminSoftwareStatus)
	adm.handle("GET", "/admin/software/{id}/keys", d.adminSoftwareKeys)
	adm.handle("POST", "/admin/software/{id}/keys/{kid}/revoke", d.adminRevokeKey)
	adm.handle("POST", "/admin/software/{id}/ssa", d.adminIssueSSA)
	adm.handle("POST", "/admin/software/{id}/transport-certificates", d.adminFaultyTransport)
	for _, f := range []string{"transport.pem", "transport-key.pem", "signing.pem", "signing-key.pem"} {
		adm.handle("GET", "/admin/software/{id}/"+f, d.adminPEM(f))
	}
	adm.handle("GET", "/admin/keys", d.adminListKeys)
	adm.handle("POST", "/admin/keys/rotate", d.adminRotateKey)
	adm.handle("POST", "/admin/keys/{kid}/retire", d.adminRetireKey)
	d.runRoutes(adm)
	admin := d.adminAuth(adm.mux)

	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Content-Type-Options", "nosniff")
		if msg := checkPath(r.URL); msg != "" {
			writeError(w, http.StatusBadRequest, "path: "+msg, "path")
			return
		}
		if r.URL.Path == "/admin" || strings.HasPrefix(r.URL.Path, "/admin/") {
			w.Header().Set("Cache-Control", "no-store")
			admin.ServeHTTP(w, r)
			return
		}
		pub.mux.ServeHTTP(w, r)
	})
}

// ---- responses ---------------------------------------------------------------------------------------

type errorBody struct {
	Error string `json:"error"`
	Field string `json:"field,omitempty"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "internal error", "")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

func writeError(w http.ResponseWriter, status int, msg, field string) {
	b, _ := json.Marshal(errorBody{Error: msg, Field: field})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

// httpError is an error with its own status.
type httpError struct {
	status int
	msg    string
	field  string
}

func (e *httpError) Error() string { return e.msg }

// fail answers err: 400 for validation errors, 404 for unknown ids, 409 for conflicts, 500 otherwise
// (logged, not shown).
func (d *Directory) fail(w http.ResponseWriter, r *http.Request, err error) {
	var he *httpError
	var ve *ValidationError
	var ce *conflictError
	switch {
	case errors.As(err, &he):
		writeError(w, he.status, he.msg, he.field)
	case errors.As(err, &ve):
		writeError(w, http.StatusBadRequest, ve.Error(), ve.Field)
	case errors.As(err, &ce):
		writeError(w, http.StatusConflict, ce.msg, ce.field)
	case errors.Is(err, ErrNotFound):
		writeError(w, http.StatusNotFound, err.Error(), "")
	default:
		d.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		writeError(w, http.StatusInternalServerError, "internal error", "")
	}
}

// decodeBody reads a JSON object into v: at most MaxBodyBytes, no unknown fields, nothing after it.
// An empty body is accepted when allowEmpty.
func decodeBody(w http.ResponseWriter, r *http.Request, v any, allowEmpty bool) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != "application/json" {
			return &httpError{status: http.StatusUnsupportedMediaType, msg: "Content-Type must be application/json", field: "Content-Type"}
		}
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		if errors.Is(err, io.EOF) && allowEmpty {
			return nil
		}
		return bodyError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		if err != nil {
			return bodyError(err)
		}
		return &httpError{status: http.StatusBadRequest, msg: "request body has data after the JSON object", field: "body"}
	}
	return nil
}

func bodyError(err error) error {
	var mbe *http.MaxBytesError
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &mbe):
		return &httpError{status: http.StatusRequestEntityTooLarge, msg: fmt.Sprintf("request body exceeds %d bytes", MaxBodyBytes), field: "body"}
	case errors.Is(err, io.EOF):
		return &httpError{status: http.StatusBadRequest, msg: "request body is empty: want a JSON object", field: "body"}
	case errors.Is(err, io.ErrUnexpectedEOF):
		return &httpError{status: http.StatusBadRequest, msg: "request body is truncated JSON", field: "body"}
	case errors.As(err, &se):
		return &httpError{status: http.StatusBadRequest, msg: fmt.Sprintf("request body: malformed JSON at byte %d: %v", se.Offset, err), field: "body"}
	case errors.As(err, &te):
		field := te.Field
		if field == "" {
			return &httpError{status: http.StatusBadRequest, msg: "request body must be a JSON object", field: "body"}
		}
		return &httpError{status: http.StatusBadRequest, msg: fmt.Sprintf("%s: must be %s, not %s", field, jsonKind(te.Type.Kind().String()), te.Value), field: field}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return &httpError{status: http.StatusBadRequest, msg: fmt.Sprintf("%s: unknown field", field), field: field}
	}
	return &httpError{status: http.StatusBadRequest, msg: "invalid request body: " + err.Error(), field: "body"}
}

func jsonKind(k string) string {
	switch k {
	case "slice", "array":
		return "an array"
	case "struct", "map":
		return "an object"
	case "string":
		return "a string"
	case "bool":
		return "a boolean"
	}
	return "a number"
}

// ---- public endpoints --------------------------------------------------------------------------------

// serveSet serves a key set from memory (public members only), with an ETag.
func (d *Directory) serveSet(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	if org := r.PathValue("org"); org != "" {
		path = "/" + org + "/" + r.PathValue("file")
		if strings.Contains(r.Pattern, "/revoked/") {
			path = "/" + org + "/revoked/" + r.PathValue("file")
		}
	}
	d.mu.RLock()
	body, ok := d.sets[path]
	etag := d.etags[path]
	d.mu.RUnlock()
	if !ok {
		writeError(w, http.StatusNotFound, "no such key set: "+path, "")
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-cache")
	h.Set("ETag", etag)
	if inm := r.Header.Get("If-None-Match"); inm != "" && inm == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	_, _ = w.Write(body)
}

func (d *Directory) cdrSSA(w http.ResponseWriter, r *http.Request) {
	swID, brandID := r.PathValue("softwareProductId"), r.PathValue("brandId")
	sw, err := d.Software(swID)
	if run := runScope(r); err != nil || sw.OrgID != brandID || (run != "" && !d.orgInRun(brandID, run)) {
		writeError(w, http.StatusNotFound, fmt.Sprintf("no software product %q under brand %q", swID, brandID), "")
		return
	}
	ssa, err := d.IssueSSA(swID, SSAOptions{Profile: ProfileCDR})
	if err != nil {
		d.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/jwt")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = io.WriteString(w, ssa)
}

// CDR statuses of the register's status endpoints, from the directory's statuses.
var (
	cdrProductStatus   = map[string]string{StatusActive: "ACTIVE", StatusInactive: "INACTIVE", StatusWithdrawn: "INACTIVE", StatusRevoked: "REMOVED"}
	cdrRecipientStatus = map[string]string{StatusActive: "ACTIVE", StatusInactive: "SUSPENDED", StatusWithdrawn: "SURRENDERED", StatusRevoked: "REVOKED"}
)

func (d *Directory) cdrSoftwareStatus(w http.ResponseWriter, r *http.Request) {
	type product struct {
		ID     string `json:"softwareProductId"`
		Status string `json:"softwareProductStatus"`
	}
	sws, _ := d.SoftwareList("")
	out := struct {
		SoftwareProducts []product `json:"softwareProducts"`
	}{SoftwareProducts: []product{}}
	for _, s := range sws {
		out.SoftwareProducts = append(out.SoftwareProducts, product{s.ID, cdrProductStatus[s.Status]})
	}
	writeJSON(w, http.StatusOK, out)
}

func (d *Directory) cdrRecipientStatus(w http.ResponseWriter, r *http.Request) {
	type recipient struct {
		ID     string `json:"dataRecipientId"`
		Status string `json:"dataRecipientStatus"`
	}
	out := struct {
		DataRecipients []recipient `json:"dataRecipients"`
	}{DataRecipients: []recipient{}}
	for _, o := range d.Organisations() {
		out.DataRecipients = append(out.DataRecipients, recipient{o.ID, cdrRecipientStatus[o.Status]})
	}
	writeJSON(w, http.StatusOK, out)
}
