package durable

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

type previewOrder struct {
	ID       string `json:"id"`
	Email    string `json:"email"`
	Customer struct {
		Email string `json:"email"`
		Tier  int    `json:"tier"`
	} `json:"customer"`
	Items []struct {
		SKU string `json:"sku"`
	} `json:"items"`
	Tags []string `json:"tags"`
	Body string   `json:"body"`
}

func samplePreviewOrder() previewOrder {
	var o previewOrder
	o.ID, o.Email, o.Body = "o-1", "root@example.com", "long body"
	o.Customer.Email, o.Customer.Tier = "c@example.com", 2
	o.Items = []struct {
		SKU string `json:"sku"`
	}{{SKU: "a"}, {SKU: "b"}}
	o.Tags = []string{"x"}
	return o
}

func TestBuildPreview(t *testing.T) {
	tests := []struct {
		name string
		v    any
		cfg  PreviewConfig
		want string // JSON, or "null" for a nil preview
	}{
		{name: "include all, arrays of objects merge, arrays of scalars are left out", v: samplePreviewOrder(), cfg: PreviewConfig{},
			want: `{"body":"long body","customer":{"email":"c@example.com","tier":2},"email":"root@example.com","id":"o-1","items":{"sku":"b"}}`},
		{name: "exclude wins and hides the subtree", v: samplePreviewOrder(),
			cfg:  PreviewConfig{Exclude: []PreviewField{{Name: "customer"}, {Name: "body"}, {Name: "items"}}, Mask: []PreviewField{{Name: "body"}}},
			want: `{"email":"root@example.com","id":"o-1"}`},
		{name: "mask anywhere", v: samplePreviewOrder(), cfg: PreviewConfig{Mode: PreviewExcludeAll, Include: []PreviewField{{Name: "id"}}, Mask: []PreviewField{{Name: "email"}}},
			want: `{"customer":{"email":"***"},"email":"***","id":"o-1"}`},
		{name: "path selector matches one field", v: samplePreviewOrder(),
			cfg:  PreviewConfig{Mode: PreviewExcludeAll, Include: []PreviewField{{Name: "customer.email", Match: FieldMatchPath}}, MaskString: "#"},
			want: `{"customer":{"email":"c@example.com"}}`},
		{name: "including a container shows what is below it", v: samplePreviewOrder(),
			cfg:  PreviewConfig{Mode: PreviewExcludeAll, Include: []PreviewField{{Name: "customer"}}},
			want: `{"customer":{"email":"c@example.com","tier":2}}`},
		{name: "masking a container replaces it whole", v: samplePreviewOrder(),
			cfg:  PreviewConfig{Mode: PreviewExcludeAll, Mask: []PreviewField{{Name: "customer"}}},
			want: `{"customer":"***"}`},
		{name: "nothing shown", v: samplePreviewOrder(), cfg: PreviewConfig{Mode: PreviewExcludeAll}, want: `null`},
		{name: "a scalar has no preview", v: "text", want: `null`},
		{name: "depth bound", v: map[string]any{"a": map[string]any{"b": 1}, "c": 2}, cfg: PreviewConfig{MaxDepth: 1}, want: `{"c":2}`},
		{name: "size cap truncates in document order", v: samplePreviewOrder(), cfg: PreviewConfig{MaxPreviewBytes: 60},
			want: `{"$truncated":true,"email":"root@example.com","id":"o-1"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := json.Marshal(BuildPreview(tt.v, tt.cfg))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("preview %s\nwant    %s", got, tt.want)
			}
		})
	}
}

func TestBuildPreviewDefaultCap(t *testing.T) {
	big := map[string]string{}
	for i := range 1000 {
		big[fmt.Sprintf("key-%04d", i)] = strings.Repeat("v", 20)
	}
	p := BuildPreview(big, PreviewConfig{})
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) > DefaultPreviewMaxBytes || p[PreviewTruncatedKey] != true {
		t.Errorf("preview of %d bytes, truncated %v; want at most %d bytes and truncated", len(b), p[PreviewTruncatedKey], DefaultPreviewMaxBytes)
	}
}
