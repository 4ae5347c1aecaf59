package bank

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"
)

// claims is a decoded JWT payload or JSON body, numbers kept as json.Number.
type claims map[string]any

// has reports whether the claim is present (even if null).
func (c claims) has(name string) bool {
	_, ok := c[name]
	return ok
}

// str returns a string claim; ok is false when the claim is absent or not a string.
func (c claims) str(name string) (string, bool) {
	s, ok := c[name].(string)
	return s, ok
}

// strings returns a claim that must be a JSON array of strings.
func (c claims) strings(name string) ([]string, error) {
	return stringList(c[name], name)
}

// time returns a NumericDate claim (seconds since the epoch, a JSON number).
func (c claims) time(name string) (time.Time, error) {
	f, ok := number(c[name])
	if !ok || math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) > 1e12 {
		return time.Time{}, fmt.Errorf("%s is not a NumericDate", name)
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)), nil
}

// audiences are the values of the aud claim, a string or an array of strings.
func (c claims) audiences() []string {
	var auds []string
	switch v := c["aud"].(type) {
	case string:
		auds = []string{v}
	case []any:
		for _, a := range v {
			if s, ok := a.(string); ok {
				auds = append(auds, s)
			}
		}
	}
	return auds
}

// audience reports whether the aud claim names any of want.
func (c claims) audience(want ...string) bool {
	for _, a := range c.audiences() {
		for _, w := range want {
			if w != "" && strings.TrimRight(a, "/") == strings.TrimRight(w, "/") {
				return true
			}
		}
	}
	return false
}

func number(v any) (float64, bool) {
	switch n := v.(type) {
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	case float64:
		return n, true
	}
	return 0, false
}

func stringList(v any, name string) ([]string, error) {
	arr, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("%s must be an array of strings", name)
	}
	out := make([]string, 0, len(arr))
	for _, e := range arr {
		s, ok := e.(string)
		if !ok {
			return nil, fmt.Errorf("%s must be an array of strings", name)
		}
		out = append(out, s)
	}
	return out, nil
}
