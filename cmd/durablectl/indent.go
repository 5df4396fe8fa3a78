package main

// appendIndented appends src, compact JSON as json.Marshal writes it (no
// space outside strings), indented the way json.Indent indents it with no
// prefix: each element and member on its own line, indent once per level,
// ": " after a name, and [] and {} when empty. It is json.Indent without
// its scanner, which stepped through every byte with a call and was most
// of the time `run --json` spent writing a long history.
func appendIndented(dst, src []byte, indent string) []byte {
	in := indenter{indent: indent}
	return in.append(dst, src)
}

// indenter is appendIndented over a document given in pieces, none of
// which ends inside a string: it keeps the depth between them, so that a
// long document can be indented and written piece by piece.
type indenter struct {
	indent     string
	depth      int
	needIndent bool // after [ or {, until their first element
}

// append appends the next piece of the document, indented.
func (in *indenter) append(dst, src []byte) []byte {
	for i := 0; i < len(src); i++ {
		c := src[i]
		if in.needIndent && c != ']' && c != '}' {
			in.needIndent = false
			in.depth++
			dst = appendNewline(dst, in.indent, in.depth)
		}
		switch c {
		case '"':
			end := stringEnd(src, i)
			dst = append(dst, src[i:end]...)
			i = end - 1
		case '[', '{':
			in.needIndent = true
			dst = append(dst, c)
		case ',':
			dst = append(dst, c)
			dst = appendNewline(dst, in.indent, in.depth)
		case ':':
			dst = append(dst, c, ' ')
		case ']', '}':
			if in.needIndent {
				in.needIndent = false
			} else {
				in.depth--
				dst = appendNewline(dst, in.indent, in.depth)
			}
			dst = append(dst, c)
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

// stringEnd returns the index just after the JSON string that starts at
// src[start] (its opening quote), or len(src) when it does not end.
func stringEnd(src []byte, start int) int {
	for i := start + 1; i < len(src); i++ {
		switch src[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return len(src)
}

// appendNewline appends a line break and depth indents.
func appendNewline(dst []byte, indent string, depth int) []byte {
	dst = append(dst, '\n')
	for range depth {
		dst = append(dst, indent...)
	}
	return dst
}
