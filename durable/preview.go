package durable

import (
	"bytes"
	"encoding/json"
	"strings"
)

// PreviewMode is the base visibility of the fields of a preview built by
// [BuildPreview], before its Include, Exclude and Mask lists apply.
type PreviewMode int

const (
	// PreviewIncludeAll shows every field (the default); Exclude hides
	// fields and Mask redacts them.
	PreviewIncludeAll PreviewMode = iota
	// PreviewExcludeAll shows only the fields Include or Mask select.
	PreviewExcludeAll
)

// FieldMatchMode says how a [PreviewField] selects fields.
type FieldMatchMode int

const (
	// FieldMatchAnywhere selects every field named Name at any depth (the
	// default): "email" selects "email" and "customer.email", and, on a
	// field holding an object, everything below it.
	FieldMatchAnywhere FieldMatchMode = iota
	// FieldMatchPath selects the one field whose dot-separated path from
	// the root is Name, such as "customer.email".
	FieldMatchPath
)

// PreviewField selects fields of a value by their JSON names.
type PreviewField struct {
	// Name is a field name or, with FieldMatchPath, a dot-separated path.
	Name string
	// Match is how Name selects fields (default FieldMatchAnywhere).
	Match FieldMatchMode
}

// PreviewConfig configures [BuildPreview].
type PreviewConfig struct {
	// Mode is the base visibility (default PreviewIncludeAll).
	Mode PreviewMode
	// Include lists the fields PreviewExcludeAll shows.
	Include []PreviewField
	// Exclude lists fields never shown, nor anything below them; it wins
	// over Include and Mask.
	Exclude []PreviewField
	// Mask lists fields shown with their value replaced by MaskString,
	// whatever the mode.
	Mask []PreviewField
	// MaskString replaces masked values (default DefaultPreviewMaskString).
	MaskString string
	// MaxPreviewBytes caps the preview's JSON encoding (default
	// DefaultPreviewMaxBytes).
	MaxPreviewBytes int
	// MaxDepth bounds how deep objects and arrays are read (default
	// DefaultPreviewMaxDepth).
	MaxDepth int
}

// Defaults of [PreviewConfig] and the truncation marker of [BuildPreview].
const (
	DefaultPreviewMaskString = "***"
	DefaultPreviewMaxBytes   = 4096
	DefaultPreviewMaxDepth   = 32
	// PreviewTruncatedKey is set to true in a preview the size cap cut
	// short.
	PreviewTruncatedKey = "$truncated"
)

// BuildPreview returns a small, redacted view of v for a checkpoint — what
// the [FileSystemSerdesConfig.GeneratePreview] hook is for: the operation
// log then shows some of an offloaded value without reading its file.
//
// v is encoded with encoding/json, so fields have their JSON names. Each
// scalar field is shown, masked or left out by cfg; an object keeps its
// nesting, and the fields of an array's elements merge under the array's
// own name (an array of scalars is left out). Fields are added in document
// order until the JSON encoding would pass MaxPreviewBytes (4096 by
// default); then PreviewTruncatedKey is set. BuildPreview returns nil when
// v does not encode to an object or array, or when no field is shown.
//
// A preview is advisory: masking a field hides it in the checkpoint, not in
// the offloaded file, which holds the whole value.
func BuildPreview(v any, cfg PreviewConfig) map[string]any {
	if cfg.MaskString == "" {
		cfg.MaskString = DefaultPreviewMaskString
	}
	if cfg.MaxPreviewBytes <= 0 {
		cfg.MaxPreviewBytes = DefaultPreviewMaxBytes
	}
	if cfg.MaxDepth <= 0 {
		cfg.MaxDepth = DefaultPreviewMaxDepth
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	root, err := readPreviewNode(dec, 0, cfg.MaxDepth)
	if err != nil {
		return nil
	}
	var fields []previewEntry
	collectPreview(&cfg, root, nil, false, &fields)
	return fitPreview(fields, cfg.MaxPreviewBytes)
}

// previewObject is a JSON object with its keys in document order.
type previewObject struct {
	keys   []string
	values map[string]any
}

// previewDeep stands for an object or array below MaxDepth.
type previewDeep struct{}

// previewEntry is one shown field: its path and value.
type previewEntry struct {
	path  []string
	value any
}

// readPreviewNode reads one JSON value: scalars as decoded, objects as
// *previewObject, arrays as []any, and containers deeper than maxDepth as
// previewDeep.
func readPreviewNode(dec *json.Decoder, depth, maxDepth int) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	delim, ok := tok.(json.Delim)
	if !ok {
		return tok, nil
	}
	var obj *previewObject
	var arr []any
	if delim == '{' {
		obj = &previewObject{values: map[string]any{}}
	}
	for dec.More() {
		var key string
		if obj != nil {
			k, err := dec.Token()
			if err != nil {
				return nil, err
			}
			key, _ = k.(string)
		}
		child, err := readPreviewNode(dec, depth+1, maxDepth)
		if err != nil {
			return nil, err
		}
		if obj != nil {
			if _, seen := obj.values[key]; !seen {
				obj.keys = append(obj.keys, key)
			}
			obj.values[key] = child
		} else {
			arr = append(arr, child)
		}
	}
	if _, err := dec.Token(); err != nil { // the closing delimiter
		return nil, err
	}
	switch {
	case depth >= maxDepth:
		return previewDeep{}, nil
	case obj != nil:
		return obj, nil
	}
	return arr, nil
}

// collectPreview appends the shown scalar fields of node, found at path,
// to out. shown reports that an enclosing field was selected by Include.
func collectPreview(cfg *PreviewConfig, node any, path []string, shown bool, out *[]previewEntry) {
	switch n := node.(type) {
	case []any:
		for _, item := range n {
			switch item.(type) {
			case *previewObject, []any: // scalar elements have no name to show under
				collectPreview(cfg, item, path, shown, out)
			}
		}
	case *previewObject:
		for _, key := range n.keys {
			if strings.Contains(key, ".") {
				continue // not addressable by a dotted path
			}
			p := append(path[:len(path):len(path)], key)
			switch {
			case previewSelects(cfg.Exclude, p):
			case previewSelects(cfg.Mask, p):
				*out = append(*out, previewEntry{path: p, value: cfg.MaskString})
			default:
				collectPreview(cfg, n.values[key], p, shown || previewSelects(cfg.Include, p), out)
			}
		}
	case previewDeep:
	default:
		if len(path) > 0 && (cfg.Mode == PreviewIncludeAll || shown) {
			*out = append(*out, previewEntry{path: path, value: n})
		}
	}
}

// previewSelects reports whether a selector of fields selects the field at
// path: by its name (FieldMatchAnywhere) or by its whole path
// (FieldMatchPath).
func previewSelects(fields []PreviewField, path []string) bool {
	for _, f := range fields {
		if f.Match == FieldMatchPath {
			if f.Name == strings.Join(path, ".") {
				return true
			}
		} else if f.Name == path[len(path)-1] {
			return true
		}
	}
	return false
}

// fitPreview nests as many leading entries as fit in maxBytes of JSON,
// marking a cut with PreviewTruncatedKey; nil when none fits.
func fitPreview(entries []previewEntry, maxBytes int) map[string]any {
	n := 0
	size := len(`{"` + PreviewTruncatedKey + `":true}`)
	for _, e := range entries { // an upper bound of each entry's share
		v, _ := json.Marshal(e.value)
		size += len(strings.Join(e.path, `":{"`)) + len(e.path)*4 + len(v)
		if size > maxBytes {
			break
		}
		n++
	}
	for ; n > 0; n-- {
		out := nestPreview(entries[:n], n < len(entries))
		if b, err := json.Marshal(out); err == nil && len(b) <= maxBytes {
			return out
		}
	}
	return nil
}

// nestPreview rebuilds nested objects from entries.
func nestPreview(entries []previewEntry, truncated bool) map[string]any {
	out := map[string]any{}
	for _, e := range entries {
		m := out
		for _, k := range e.path[:len(e.path)-1] {
			child, ok := m[k].(map[string]any)
			if !ok {
				child = map[string]any{}
				m[k] = child
			}
			m = child
		}
		m[e.path[len(e.path)-1]] = e.value
	}
	if truncated {
		out[PreviewTruncatedKey] = true
	}
	return out
}
