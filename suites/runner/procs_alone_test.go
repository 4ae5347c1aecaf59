package runner

import (
	"fmt"
	"strings"
	"testing"

	"github.com/dcrconform/dcrconform/harness/transcript"
)

// sameRequests pairs each exchange answered 5xx under load with the alone run's exchange of the same
// request: the same method and URL, each used once, else the same method at the same step.
func TestSameRequests(t *testing.T) {
	ex := func(method, url string, status int) transcript.Exchange {
		return transcript.Exchange{Method: method, URL: url, Status: status}
	}
	reg, tok := "https://bank/register", "https://bank/token"
	underLoad := []transcript.Exchange{ex("POST", reg, 500), ex("POST", reg, 201), ex("POST", reg, 502), ex("GET", reg+"/a", 503)}
	alone := []transcript.Exchange{ex("POST", reg, 401), ex("POST", tok, 200), ex("POST", reg, 201), ex("GET", reg+"/b", 200)}
	loaded, same := sameRequests(underLoad, underLoadSteps(underLoad), alone)
	var got []string
	for i := range same {
		got = append(got, fmt.Sprintf("%s %d -> %s %s %d", loaded[i].Method, loaded[i].Status, same[i].Method, same[i].URL, same[i].Status))
	}
	want := []string{
		"POST 500 -> POST " + reg + " 401",
		"POST 502 -> POST " + reg + " 201",
		"GET 503 -> GET " + reg + "/b 200",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("pairs:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
