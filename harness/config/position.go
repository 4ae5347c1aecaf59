// Positions: every error about a config names the line and column of the field at fault.
package config

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"

	yamlv3 "go.yaml.in/yaml/v3"
)

// position is where a field's key (or a sequence item) starts in the file.
type position struct{ line, column int }

// fieldPositions maps each field path of a YAML document ("target.timeout", "software.redirect_uris[1]")
// to where it is written, in document order (paths).
func fieldPositions(data []byte) (at map[string]position, paths []string) {
	at = map[string]position{}
	var doc yamlv3.Node
	if yamlv3.Unmarshal(data, &doc) != nil || len(doc.Content) == 0 {
		return at, nil
	}
	var walk func(n *yamlv3.Node, path string)
	walk = func(n *yamlv3.Node, path string) {
		switch n.Kind {
		case yamlv3.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				p := k.Value
				if path != "" {
					p = path + "." + k.Value
				}
				if _, dup := at[p]; !dup {
					at[p] = position{k.Line, k.Column}
					paths = append(paths, p)
				}
				walk(v, p)
			}
		case yamlv3.SequenceNode:
			for i, item := range n.Content {
				p := fmt.Sprintf("%s[%d]", path, i)
				at[p] = position{item.Line, item.Column}
				paths = append(paths, p)
				walk(item, p)
			}
		}
	}
	walk(doc.Content[0], "")
	return at, paths
}

var (
	unknownField = regexp.MustCompile(`unknown field "([^"]+)"`)
	wrongType    = regexp.MustCompile(`cannot unmarshal (\w+) into Go struct field [^.\s]+\.(\S+) of type (\S+)`)
	fieldPrefix  = regexp.MustCompile(`^([a-z_]+(?:\[\d+\])?(?:\.[A-Za-z0-9_\-]+(?:\[\d+\])?)*): `)
)

// decodeError rewrites a YAML decoding error to name the line, the column and the field at fault, and
// for an unknown field the fields its parent has.
func decodeError(data []byte, err error) error {
	at, paths := fieldPositions(data)
	msg := err.Error()
	if m := unknownField.FindStringSubmatch(msg); m != nil {
		for _, p := range paths {
			if p == m[1] || strings.HasSuffix(p, "."+m[1]) {
				parent := strings.TrimSuffix(strings.TrimSuffix(p, m[1]), ".")
				return fmt.Errorf("%s: %s: unknown field; %s", at[p], p, knownFieldsText(parent))
			}
		}
		return fmt.Errorf("unknown field %q", m[1])
	}
	if m := wrongType.FindStringSubmatch(msg); m != nil {
		p := m[2]
		if pos, ok := at[p]; ok {
			return fmt.Errorf("%s: %s: want %s, got %s", pos, p, kindText(m[3]), article(m[1]))
		}
		return fmt.Errorf("%s: want %s, got %s", p, kindText(m[3]), article(m[1]))
	}
	msg = strings.TrimPrefix(msg, "error converting YAML to JSON: ")
	return errors.New(strings.TrimPrefix(msg, "yaml: "))
}

// withPositions prefixes each line of a validation error that starts with a field path with where that
// field (or, when it is missing, its nearest written parent) is in the file.
func withPositions(data []byte, err error) error {
	if err == nil {
		return nil
	}
	at, _ := fieldPositions(data)
	lines := strings.Split(err.Error(), "\n")
	for i, line := range lines {
		m := fieldPrefix.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		for p := m[1]; p != ""; p = parentOf(p) {
			if pos, ok := at[p]; ok {
				lines[i] = pos.String() + ": " + line
				break
			}
		}
	}
	return errors.New(strings.Join(lines, "\n"))
}

func (p position) String() string { return fmt.Sprintf("line %d, column %d", p.line, p.column) }

func parentOf(path string) string {
	if i := strings.LastIndexAny(path, ".["); i > 0 {
		return path[:i]
	}
	return ""
}

// knownFieldsText names the fields the config type has at path ("" the top level).
func knownFieldsText(path string) string {
	t := reflect.TypeOf(Config{})
	for _, seg := range strings.Split(path, ".") {
		if seg == "" {
			continue
		}
		seg, _, _ = strings.Cut(seg, "[")
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct {
			return "see the configuration reference"
		}
		f, ok := fieldByTag(t, seg)
		if !ok {
			return "see the configuration reference"
		}
		t = f.Type
	}
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return "see the configuration reference"
	}
	var names []string
	for i := range t.NumField() {
		if name := tagName(t.Field(i)); name != "" {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	where := "the top level"
	if path != "" {
		where = path
	}
	return "the fields of " + where + " are " + strings.Join(names, ", ")
}

func fieldByTag(t reflect.Type, name string) (reflect.StructField, bool) {
	for i := range t.NumField() {
		if tagName(t.Field(i)) == name {
			return t.Field(i), true
		}
	}
	return reflect.StructField{}, false
}

func tagName(f reflect.StructField) string {
	if !f.IsExported() {
		return ""
	}
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	if name == "-" {
		return ""
	}
	return name
}

// kindText names a Go type as a YAML value.
func kindText(goType string) string {
	switch {
	case goType == "string":
		return "a string"
	case goType == "bool":
		return "true or false"
	case strings.HasPrefix(goType, "int"), strings.HasPrefix(goType, "uint"), strings.HasPrefix(goType, "float"):
		return "a number"
	case strings.HasPrefix(goType, "[]"):
		return "a list"
	case strings.HasPrefix(goType, "map"), strings.Contains(goType, "."):
		return "a mapping"
	}
	return strconv.Quote(goType)
}

func article(jsonKind string) string {
	switch jsonKind {
	case "array":
		return "a list"
	case "object":
		return "a mapping"
	case "number":
		return "a number"
	case "bool":
		return "true or false"
	case "string":
		return "a string"
	}
	return jsonKind
}
