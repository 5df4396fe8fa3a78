package durable_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/acme/durable-lambda-go/durable"
	"github.com/acme/durable-lambda-go/durable/durabletest"
)

// report is a large step result.
type report struct {
	ID    string `json:"id"`
	Email string `json:"email"`
	Body  string `json:"body"`
}

// reference is the checkpointed form of a file-system serdes value.
type reference struct {
	Data    *string        `json:"data"`
	File    string         `json:"file"`
	Size    int64          `json:"size"`
	SHA256  string         `json:"sha256"`
	Preview map[string]any `json:"preview"`
}

// bigReportHandler returns a handler whose step "build" returns a report
// with a body of size bytes through serdes; a wait then ends the first
// invocation, so the result the handler returns (the body's length and
// SHA-256) comes from the step's replay, read back from its record.
func bigReportHandler(serdes durable.Serdes, size int) durable.Handler[string, string] {
	return func(ctx durable.Context, id string) (string, error) {
		r, err := durable.Step(ctx, "build", func(durable.StepContext) (report, error) {
			return report{ID: id, Email: "owner@example.com", Body: strings.Repeat("x", size)}, nil
		}, durable.WithStepSerdes(serdes))
		if err != nil {
			return "", err
		}
		if err := durable.Wait(ctx, "pause", time.Second); err != nil {
			return "", err
		}
		sum := sha256.Sum256([]byte(r.Body))
		return r.ID + "/" + hex.EncodeToString(sum[:8]), nil
	}
}

func TestFileSystemSerdesLargeResults(t *testing.T) {
	preview := func(v any) map[string]any {
		return durable.BuildPreview(v, durable.PreviewConfig{Mode: durable.PreviewExcludeAll,
			Include: []durable.PreviewField{{Name: "id"}}, Mask: []durable.PreviewField{{Name: "email"}}})
	}
	hexDir := regexp.MustCompile(`^[0-9a-f]{32}$`)
	tests := []struct {
		name     string
		size     int
		cfg      durable.FileSystemSerdesConfig
		wantFile bool
		layout   func(t *testing.T, base, file string)
	}{
		{name: "1 MB, always, URI layout", size: 1 << 20, cfg: durable.FileSystemSerdesConfig{GeneratePreview: preview}, wantFile: true,
			layout: func(t *testing.T, base, file string) {
				rel, _ := filepath.Rel(base, file)
				if parts := strings.Split(rel, string(filepath.Separator)); len(parts) != 4 || parts[0] != durabletest.FunctionName || !strings.HasSuffix(parts[3], ".json") {
					t.Errorf("file %s, want <function>/<name>/<id>/<operation>.json under the base path", rel)
				}
			}},
		{name: "50 MB, overflow, hash layout", size: 50 << 20, wantFile: true,
			cfg: durable.FileSystemSerdesConfig{Mode: durable.FileSystemSerdesModeOverflow, PathEncoding: durable.FileSystemPathEncodingHash, GeneratePreview: preview},
			layout: func(t *testing.T, base, file string) {
				if dir := filepath.Base(filepath.Dir(file)); !hexDir.MatchString(dir) || filepath.Dir(filepath.Dir(file)) != base {
					t.Errorf("file %s, want <base>/<32 hex digits>/<operation>.json", file)
				}
			}},
		{name: "small value, overflow, stays in the checkpoint", size: 1000,
			cfg: durable.FileSystemSerdesConfig{Mode: durable.FileSystemSerdesModeOverflow, GeneratePreview: preview}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := t.TempDir()
			r := durabletest.NewLocalRunner(bigReportHandler(durable.NewFileSystemSerdes(base, tt.cfg), tt.size))
			res, err := r.RunUntilComplete("r-1")
			if err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256([]byte(strings.Repeat("x", tt.size)))
			if want := `"r-1/` + hex.EncodeToString(sum[:8]) + `"`; res.Status != durabletest.StatusSucceeded || res.RawResult != want {
				t.Fatalf("status %s result %s error %v, want %s", res.Status, res.RawResult, res.Error, want)
			}
			if len(res.Invocations) != 2 {
				t.Errorf("%d invocations, want 2 (the second replays the step)", len(res.Invocations))
			}
			recorded := res.Operation("build").StepDetails.Result
			var ref reference
			if err := json.Unmarshal([]byte(recorded), &ref); err != nil {
				t.Fatalf("recorded %q: %v", recorded, err)
			}
			if !tt.wantFile {
				if ref.Data == nil || ref.File != "" || ref.Preview != nil {
					t.Errorf("recorded %s, want the value inline", recorded)
				}
				return
			}
			if len(recorded) > durable.DefaultPreviewMaxBytes+1024 {
				t.Errorf("the checkpoint holds %d bytes, want a small reference", len(recorded))
			}
			info, err := os.Stat(ref.File)
			if err != nil || info.Size() != ref.Size || ref.Size < int64(tt.size) {
				t.Fatalf("file %s: %v, size %d; recorded size %d", ref.File, err, info.Size(), ref.Size)
			}
			tt.layout(t, base, ref.File)
			if ref.Preview["id"] != "r-1" || ref.Preview["email"] != "***" || ref.Preview["body"] != nil {
				t.Errorf("preview %v, want id and the masked email only", ref.Preview)
			}
		})
	}
}

func TestFileSystemSerdesMissingOrChangedFile(t *testing.T) {
	tests := []struct {
		name    string
		tamper  func(file string) error
		want    error
		message string
	}{
		{name: "missing", tamper: os.Remove, want: durable.ErrPayloadFileMissing, message: "payload file is missing"},
		{name: "changed", tamper: func(file string) error { return os.WriteFile(file, []byte(`{"id":"forged"}`), 0o644) },
			want: durable.ErrPayloadFileChanged, message: "payload file has changed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			serdes := durable.NewFileSystemSerdes(t.TempDir())
			r := durabletest.NewLocalRunner(bigReportHandler(serdes, 300<<10))
			res, err := r.Run("r-2") // the step, then the wait suspends
			if err != nil || res.Status != durabletest.StatusPending {
				t.Fatalf("first invocation: %v, %v", res, err)
			}
			recorded := res.Operation("build").StepDetails.Result
			var ref reference
			if err := json.Unmarshal([]byte(recorded), &ref); err != nil {
				t.Fatal(err)
			}
			if err := tt.tamper(ref.File); err != nil {
				t.Fatal(err)
			}
			// The Serdes itself reports the typed error.
			var out report
			err = serdes.Unmarshal(t.Context(), durable.SerdesContext{}, []byte(recorded), &out)
			var pfe *durable.PayloadFileError
			if !errors.As(err, &pfe) || !errors.Is(err, tt.want) || pfe.File != ref.File {
				t.Fatalf("Unmarshal error %v, want a *PayloadFileError for %s matching %v", err, ref.File, tt.want)
			}
			// The replay fails the execution with a SerdesError naming it.
			if !r.CompletePendingTimers() {
				t.Fatal("no pending timer")
			}
			if res, err = r.Run("r-2"); err != nil {
				t.Fatal(err)
			}
			if res.Status != durabletest.StatusFailed || res.Error == nil || res.Error.ErrorType != "StepError" && res.Error.ErrorType != "SerdesError" ||
				!strings.Contains(res.Error.ErrorMessage, tt.message) || !strings.Contains(res.Error.ErrorMessage, ref.File) {
				t.Errorf("replay: status %s error %+v, want a serdes failure naming %s", res.Status, res.Error, ref.File)
			}
		})
	}
}
