package conformance

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf16"

	"gopkg.in/yaml.v3"
)

// encodePayload renders a YAML value as the JSON text the reference
// validator's external system sends as a callback result: keys in document
// order, ", " and ": " separators and non-ASCII characters escaped (Python's
// json.dumps defaults). Requirements compare that text literally (7-11
// expects the CallbackSucceeded payload '{"status": "approved"}'), so the
// harness must send the same bytes. Variables are substituted into strings.
func encodePayload(node *yaml.Node, vars map[string]string) ([]byte, error) {
	var b strings.Builder
	if err := writePayload(&b, node, vars); err != nil {
		return nil, err
	}
	return []byte(b.String()), nil
}

func writePayload(b *strings.Builder, node *yaml.Node, vars map[string]string) error {
	switch node.Kind {
	case yaml.DocumentNode:
		if len(node.Content) != 1 {
			return fmt.Errorf("empty document")
		}
		return writePayload(b, node.Content[0], vars)
	case yaml.AliasNode:
		return writePayload(b, node.Alias, vars)
	case yaml.MappingNode:
		b.WriteByte('{')
		for i := 0; i+1 < len(node.Content); i += 2 {
			if i > 0 {
				b.WriteString(", ")
			}
			writeString(b, substituteString(node.Content[i].Value, vars))
			b.WriteString(": ")
			if err := writePayload(b, node.Content[i+1], vars); err != nil {
				return err
			}
		}
		b.WriteByte('}')
		return nil
	case yaml.SequenceNode:
		b.WriteByte('[')
		for i, c := range node.Content {
			if i > 0 {
				b.WriteString(", ")
			}
			if err := writePayload(b, c, vars); err != nil {
				return err
			}
		}
		b.WriteByte(']')
		return nil
	case yaml.ScalarNode:
		var v any
		if err := node.Decode(&v); err != nil {
			return err
		}
		switch x := v.(type) {
		case nil:
			b.WriteString("null")
		case bool:
			b.WriteString(strconv.FormatBool(x))
		case int:
			b.WriteString(strconv.Itoa(x))
		case float64:
			b.WriteString(strconv.FormatFloat(x, 'g', -1, 64))
		case string:
			writeString(b, substituteString(x, vars))
		default:
			writeString(b, substituteString(node.Value, vars))
		}
		return nil
	default:
		return fmt.Errorf("unsupported YAML node kind %v", node.Kind)
	}
}

// writeString writes s as a JSON string with every non-ASCII character
// escaped as \uXXXX (surrogate pairs beyond the BMP).
func writeString(b *strings.Builder, s string) {
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\b':
			b.WriteString(`\b`)
		case r == '\f':
			b.WriteString(`\f`)
		case r < 0x20 || (r >= 0x7f && r <= 0xffff):
			fmt.Fprintf(b, `\u%04x`, r)
		case r > 0xffff:
			hi, lo := utf16.EncodeRune(r)
			fmt.Fprintf(b, `\u%04x\u%04x`, hi, lo)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
}
