package transcript

import (
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// The expressions the finders replace: each finder must find exactly what its expression finds.
var (
	pemSpaceRE   = `(?:[ +]|%20)`
	pemWordsRE   = `(?:[A-Z0-9]+` + pemSpaceRE + `)*PRIVATE` + pemSpaceRE + `KEY-----`
	shapeFinders = []struct {
		name string
		re   *regexp.Regexp
		find func(string, int) []int
	}{
		{"pem", regexp.MustCompile(`(-----BEGIN` + pemSpaceRE + pemWordsRE + `)([^"]*?)(-----END` + pemSpaceRE + pemWordsRE + `|"|$)`), findPEMPrivateKey},
		{"userinfo", regexp.MustCompile(`([A-Za-z][A-Za-z0-9+.-]*://[^/?#@\s"'<>:]*:)([^/?#@\s"'<>]+)@`), findUserInfo},
		{"auth", regexp.MustCompile(`(?i)\b(Bearer|Basic|DPoP|Negotiate)(\s+)([A-Za-z0-9._~+/-]+=*)(.?)`), findAuthCredential},
		{"jws", regexp.MustCompile(`eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]*)?`), findJWS},
	}
	maskedRE = regexp.MustCompile(`^(?:[A-Za-z][A-Za-z0-9-]* )?REDACTED_[0-9]+_chars$`)
)

func findAll(s string, find func(string, int) []int) [][]int {
	var out [][]int
	for from := 0; from <= len(s); {
		loc := find(s, from)
		if loc == nil {
			break
		}
		out = append(out, loc)
		from = max(loc[1], loc[0]+1)
	}
	return out
}

func checkFinders(t *testing.T, s string) {
	t.Helper()
	for _, f := range shapeFinders {
		if f.name == "auth" && strings.ContainsRune(s, 'ſ') { // (?i) folds the long s to s; the scan does not
			continue
		}
		want, got := f.re.FindAllStringSubmatchIndex(s, -1), findAll(s, f.find)
		if !reflect.DeepEqual(want, got) {
			t.Errorf("%s in %q:\n got %v\nwant %v", f.name, s, got, want)
		}
	}
	if want, got := maskedRE.MatchString(s), isMasked(s); want != got {
		t.Errorf("isMasked(%q) = %v, want %v", s, got, want)
	}
}

var shapeSeeds = []string{
	"dial https://admin:pw@bank.example/x and ftp://u:p:q@h and a://:x@ and 1://u:p@h s3://u:v@w",
	"Authorization: Bearer abc.def~+/= next, basic\tdXNlcjpwYXNz, DPoP x\nNegotiate  tok=\nxBearer y, Bearer error=\"x\"",
	"got eyJhbGciOiJub25lIn0.eyJpc3MiOiJ4In0.c2ln and eyJeyJ.x. and eyJ. eyJa eyJhbGc.", "eyJeyJeyJeyJ",
	"-----BEGIN RSA PRIVATE KEY-----\nMIIabc\n-----END RSA PRIVATE KEY-----\n", `{"k":"-----BEGIN+EC+PRIVATE+KEY-----%0AMII"}`,
	"-----BEGIN%20PRIVATE%20KEY-----abc", "-----BEGIN PRIVATE KEY PRIVATE KEY-----x-----END X PRIVATE KEY-----",
	"REDACTED_12_chars", "Bearer REDACTED_1_chars", "x REDACTED_1_chars", "REDACTED__chars", "9a REDACTED_1_chars",
}

func TestShapeFindersMatchExpressions(t *testing.T) {
	for _, s := range shapeSeeds {
		checkFinders(t, s)
	}
}

// FuzzShapeFinders: on any text the scans find what the expressions found.
func FuzzShapeFinders(f *testing.F) {
	for _, s := range shapeSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) { checkFinders(t, s) })
}

// BenchmarkRedactTextAdversarial: texts built to make a naive scan quadratic (a shape's start repeated
// without its end), at 64 KiB and 1 MiB: the time per byte must stay flat.
func BenchmarkRedactTextAdversarial(b *testing.B) {
	AddSecret("aaaaaaaaaaaaaaab", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbc")
	for _, unit := range []string{"eyJ", "a://", "-----BEGIN PRIVATE KEY-----", "-----END X ", "Bearer ", "access_token=", "a", `\"`, "b"} {
		for _, size := range []int{64 << 10, 1 << 20} {
			text := strings.Repeat(unit, size/len(unit)+1)
			b.Run(fmt.Sprintf("%q/%dKiB", unit, size>>10), func(b *testing.B) {
				b.SetBytes(int64(len(text)))
				for range b.N {
					RedactText(text)
				}
			})
		}
	}
}
