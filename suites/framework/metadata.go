package framework

import (
	"fmt"
	"slices"

	"github.com/dcrconform/dcrconform/harness/client"
)

// Types of the client information members the harness reads (RFC 7591 sections 2 and 3.2.1, RFC 7592
// section 3). Timestamps are left out: some dialects send them as strings (generic DCR 0.1).
var (
	stringMembers = []string{"client_id", "client_secret", "registration_access_token", "registration_client_uri",
		"token_endpoint_auth_method"}
	stringArrayMembers = []string{"redirect_uris", "grant_types", "response_types"}
)

// MetadataTypeErrors names each member of a client information response whose JSON type is wrong,
// e.g. "client_id is a number (12345), not a string", sorted by member name. A null member is one the
// server holds no value for, as absent (RFC 7592 section 2.2 treats an omitted value as null): go-oidc
// and Ory Hydra answer "response_types": null for a client_credentials client.
func MetadataTypeErrors(md map[string]any) []string {
	var bad []string
	for k, v := range md {
		switch {
		case v == nil:
		case slices.Contains(stringMembers, k):
			if _, ok := v.(string); !ok {
				bad = append(bad, wrongType(k, v, "a string"))
			}
		case slices.Contains(stringArrayMembers, k):
			list, ok := v.([]any)
			if !ok {
				bad = append(bad, wrongType(k, v, "an array of strings"))
				continue
			}
			for i, e := range list {
				if _, ok := e.(string); !ok {
					bad = append(bad, wrongType(fmt.Sprintf("%s[%d]", k, i), e, "a string"))
					break
				}
			}
		}
	}
	slices.Sort(bad)
	return bad
}

func wrongType(member string, v any, want string) string {
	t := client.JSONType(v)
	article := "a"
	if t == "object" || t == "array" {
		article = "an"
	}
	return fmt.Sprintf("%s is %s %s (%s), not %s", member, article, t, excerpt(fmt.Sprint(v), 40), want)
}
