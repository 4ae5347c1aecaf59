package framework

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/dcrconform/dcrconform/harness/client"
)

func TestMetadataTypeErrorsNameEachMember(t *testing.T) {
	md, err := client.DecodeObject([]byte(`{"client_id":12345,"redirect_uris":"https://a.example/cb","grant_types":["x",1],"client_secret_expires_at":"0","scope":"openid"}`))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`client_id is a number (12345), not a string`,
		`grant_types[1] is a number (1), not a string`,
		`redirect_uris is a string (https://a.example/cb), not an array of strings`,
	}
	if got := MetadataTypeErrors(md); !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q\nwant %q", got, want)
	}
	var good map[string]any
	_ = json.Unmarshal([]byte(`{"client_id":"a","redirect_uris":["https://a.example/cb"],"client_id_issued_at":1,"response_types":null}`), &good)
	if got := MetadataTypeErrors(good); len(got) != 0 {
		t.Fatalf("valid metadata: %q", got)
	}
}
