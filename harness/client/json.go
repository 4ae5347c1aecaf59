package client

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// MaxJSONDepth is how deeply a response's JSON may nest. Client metadata with a JWKS nests 4 deep; a
// body nested deeper is refused before decoding, so that no parser or printer recurses into it.
const MaxJSONDepth = 32

// DecodeObject decodes a JSON object, numbers kept as json.Number. Its error says what is wrong: not
// JSON (at which byte), nested too deep, or not an object.
func DecodeObject(b []byte) (map[string]any, error) {
	if err := CheckDepth(b, MaxJSONDepth); err != nil {
		return nil, err
	}
	var v any
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	if err := d.Decode(&v); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return nil, fmt.Errorf("invalid JSON at byte %d: %v", se.Offset, err)
		}
		return nil, fmt.Errorf("invalid JSON: %v", err)
	}
	if d.More() {
		return nil, fmt.Errorf("invalid JSON: data after the value at byte %d", d.InputOffset())
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("a JSON %s, not an object", JSONType(v))
	}
	return obj, nil
}

// CheckDepth fails when b's arrays and objects nest deeper than max. It scans without recursion and
// ignores brackets inside strings.
func CheckDepth(b []byte, max int) error {
	depth, inString, escaped := 0, false, false
	for i, c := range b {
		switch {
		case inString:
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == '[' || c == '{':
			if depth++; depth > max {
				return fmt.Errorf("JSON nested deeper than %d levels (at byte %d; the harness's cap)", max, i)
			}
		case c == ']' || c == '}':
			depth--
		}
	}
	return nil
}

// JSONType names the JSON type of a decoded value: object, array, string, number, boolean or null.
func JSONType(v any) string {
	switch v.(type) {
	case map[string]any:
		return "object"
	case []any:
		return "array"
	case string:
		return "string"
	case json.Number, float64:
		return "number"
	case bool:
		return "boolean"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%T", v)
}
