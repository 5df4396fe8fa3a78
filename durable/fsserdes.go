package durable

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/acme/durable-lambda-go/wire"
)

// FileSystemSerdesMode says which values [NewFileSystemSerdes] writes to
// files.
type FileSystemSerdesMode int

const (
	// FileSystemSerdesModeAlways writes every value to a file (the
	// default); the checkpoint holds only the reference.
	FileSystemSerdesModeAlways FileSystemSerdesMode = iota
	// FileSystemSerdesModeOverflow keeps a value in the checkpoint while
	// it fits the operation payload limit (256 KiB, less room for the
	// reference) and writes only larger ones to files.
	FileSystemSerdesModeOverflow
)

// FileSystemPathEncoding says how the files of [NewFileSystemSerdes] are
// named under the base path.
type FileSystemPathEncoding int

const (
	// FileSystemPathEncodingURI is the readable layout (the default):
	// <function>/<execution name>/<execution id>/<operation id>.json, from
	// the execution's ARN, each segment percent-encoded so that no name
	// can leave its directory.
	FileSystemPathEncodingURI FileSystemPathEncoding = iota
	// FileSystemPathEncodingHash is the fixed-length layout:
	// <first 32 hex digits of the SHA-256 of the execution ARN>/<operation
	// id>.json.
	FileSystemPathEncodingHash
)

// FileSystemSerdesConfig configures [NewFileSystemSerdes].
type FileSystemSerdesConfig struct {
	// Mode says which values go to files (default
	// FileSystemSerdesModeAlways).
	Mode FileSystemSerdesMode
	// PathEncoding names the files (default FileSystemPathEncodingURI).
	// The reference records the file's path, so changing it affects only
	// new files.
	PathEncoding FileSystemPathEncoding
	// GeneratePreview, when set, is called with each value written to a
	// file; a non-nil result is recorded next to the reference, so the
	// operation log shows it without the file. Use [BuildPreview].
	GeneratePreview func(value any) map[string]any
}

// fsInlineLimit is the largest reference envelope Overflow mode keeps in
// the checkpoint: the operation payload limit less room for the wrapper.
const fsInlineLimit = wire.MaxOperationPayloadBytes - 1024

// fsReference is what the checkpoint records: the value itself (Data, in
// Overflow mode) or the file holding it, with the size and SHA-256 of its
// contents and an optional preview.
type fsReference struct {
	Data    *string        `json:"data,omitempty"`
	File    string         `json:"file,omitempty"`
	Size    int64          `json:"size,omitempty"`
	SHA256  string         `json:"sha256,omitempty"`
	Preview map[string]any `json:"preview,omitempty"`
}

// Errors of reading a value back from its file. Match them with errors.Is;
// the error is a *PayloadFileError.
var (
	// ErrPayloadFileMissing is the failure to find a referenced file.
	ErrPayloadFileMissing = errors.New("durable: payload file is missing")
	// ErrPayloadFileChanged is a referenced file whose size or SHA-256 no
	// longer matches the reference.
	ErrPayloadFileChanged = errors.New("durable: payload file has changed")
)

// PayloadFileError is the failure of [NewFileSystemSerdes]'s Serdes to
// read a value back from its file: File is the referenced path and Err
// ErrPayloadFileMissing, ErrPayloadFileChanged or the I/O error. The
// operation reading it fails with a *SerdesError, permanently: a replay
// cannot return a value other than the one recorded.
type PayloadFileError struct {
	File string
	Err  error
}

// Error names the file and the failure.
func (e *PayloadFileError) Error() string {
	return fmt.Sprintf("durable: reading payload file %s: %v", e.File, e.Err)
}

// Unwrap returns Err.
func (e *PayloadFileError) Unwrap() error { return e.Err }

// fileSystemSerdes is the Serdes of NewFileSystemSerdes.
type fileSystemSerdes struct {
	base string
	cfg  FileSystemSerdesConfig
}

// NewFileSystemSerdes returns a Serdes for values too large for a
// checkpoint (a step's result is limited to 256 KiB): it encodes a value
// as JSON into a file under basePath and records in the checkpoint a
// reference to it — the path, the size and SHA-256 of the contents, and an
// optional preview (see FileSystemSerdesConfig.GeneratePreview and
// [BuildPreview]). Reading the reference back reads the file and checks
// it; a missing or changed file is a *PayloadFileError.
//
// basePath must be a durable file system shared by every invocation of
// the function, such as an Amazon EFS access point or an S3 Files mount —
// never /tmp, which a replay on another execution environment cannot see.
// Files are written to a temporary name, synced and renamed, so a reader
// sees a whole file or none. The files are not deleted by the SDK.
//
// Install it for one operation (WithStepSerdes, WithChildSerdes, ...) or
// for the handler (WithSerdes).
func NewFileSystemSerdes(basePath string, cfg ...FileSystemSerdesConfig) Serdes {
	s := &fileSystemSerdes{base: basePath}
	if len(cfg) > 0 {
		s.cfg = cfg[0]
	}
	return s
}

// Marshal encodes v as JSON and records it inline (Overflow mode, small
// values) or writes it to its file and records the reference.
func (s *fileSystemSerdes) Marshal(ctx context.Context, meta SerdesContext, v any) ([]byte, error) {
	data, err := JSONSerdes{}.Marshal(ctx, meta, v)
	if err != nil {
		return nil, err
	}
	if s.cfg.Mode == FileSystemSerdesModeOverflow && len(data) <= fsInlineLimit { // the reference is longer than the value
		text := string(data)
		ref, err := json.Marshal(fsReference{Data: &text})
		if err != nil {
			return nil, err
		}
		if len(ref) <= fsInlineLimit {
			return ref, nil
		}
	}
	path := s.path(meta, data)
	if err := writeFileAtomic(path, data); err != nil {
		return nil, fmt.Errorf("durable: writing payload file %s: %w", path, err)
	}
	sum := sha256.Sum256(data)
	ref := fsReference{File: path, Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:])}
	if s.cfg.GeneratePreview != nil {
		ref.Preview = s.cfg.GeneratePreview(v)
	}
	return json.Marshal(ref)
}

// Unmarshal decodes a reference: the inline value, or the file's contents
// once their size and SHA-256 match the reference.
func (s *fileSystemSerdes) Unmarshal(_ context.Context, _ SerdesContext, data []byte, v any) error {
	var ref fsReference
	if err := json.Unmarshal(data, &ref); err != nil {
		return fmt.Errorf("durable: decoding a file-system serdes reference: %w", err)
	}
	switch {
	case ref.Data != nil:
		return json.Unmarshal([]byte(*ref.Data), v)
	case ref.File == "":
		return fmt.Errorf("durable: file-system serdes reference %s has neither data nor file", data)
	}
	contents, err := os.ReadFile(ref.File)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return &PayloadFileError{File: ref.File, Err: ErrPayloadFileMissing}
	case err != nil:
		return &PayloadFileError{File: ref.File, Err: err}
	}
	sum := sha256.Sum256(contents)
	if int64(len(contents)) != ref.Size || hex.EncodeToString(sum[:]) != ref.SHA256 {
		return &PayloadFileError{File: ref.File, Err: fmt.Errorf("%w: %d bytes with SHA-256 %x, recorded %d bytes with %s",
			ErrPayloadFileChanged, len(contents), sum, ref.Size, ref.SHA256)}
	}
	return json.Unmarshal(contents, v)
}

// path is the file of a value: named by the execution and the operation
// (PathEncoding), or by the SHA-256 of the contents when the value belongs
// to no operation (the execution's input or result).
func (s *fileSystemSerdes) path(meta SerdesContext, data []byte) string {
	if meta.DurableExecutionArn == "" || meta.OperationID == "" {
		sum := hex.EncodeToString(sha256Of(data))
		return filepath.Join(s.base, "content", sum[:32], sum[32:]+".json")
	}
	file := escapeSegment(meta.OperationID) + ".json"
	if s.cfg.PathEncoding == FileSystemPathEncodingHash {
		return filepath.Join(s.base, hex.EncodeToString(sha256Of([]byte(meta.DurableExecutionArn)))[:32], file)
	}
	arn, err := wire.ParseExecutionARN(meta.DurableExecutionArn)
	if err != nil {
		return filepath.Join(s.base, escapeSegment(meta.DurableExecutionArn), file)
	}
	return filepath.Join(s.base, escapeSegment(arn.Function), escapeSegment(arn.Name), escapeSegment(arn.ID), file)
}

func sha256Of(b []byte) []byte {
	sum := sha256.Sum256(b)
	return sum[:]
}

// escapeSegment percent-encodes s into one path segment: only letters,
// digits and -_.~ stay, and "." and ".." are encoded too, so the segment
// can neither contain a separator nor name a directory.
func escapeSegment(s string) string {
	var b strings.Builder
	for i := range len(s) {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-_.~", c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	if out := b.String(); out != "." && out != ".." {
		return out
	}
	return strings.ReplaceAll(s, ".", "%2E")
}

// writeFileAtomic writes data to path through a synced temporary file in
// the same directory, renamed over path.
func writeFileAtomic(path string, data []byte) (err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	suffix := make([]byte, 8)
	if _, err := rand.Read(suffix); err != nil {
		return err
	}
	tmp := path + "." + hex.EncodeToString(suffix) + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(tmp)
		}
	}()
	if _, err = f.Write(data); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
