package boltstore

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math/bits"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/acme/durable-lambda-go/emulator"
)

// The write-ahead log: files named log-<generation>.wal in the data
// directory. A file starts with logMagic; then come frames, one per
// Commit: the payload's length (4 bytes, little-endian), its CRC-32C
// (4 bytes, little-endian) and the payload, which is the commit's changes
// (see appendChanges).
const (
	logMagic    = "DLGOLOG1"
	logPrefix   = "log-"
	logSuffix   = ".wal"
	frameHeader = 8
	// maxFrame bounds a frame's length field: a larger one is damage.
	maxFrame = 1 << 30
)

// Flags of a change in a frame.
const (
	changeDelete = 1 << iota
	changeHeader
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

func logName(gen uint64) string { return fmt.Sprintf("%s%016d%s", logPrefix, gen, logSuffix) }

// logGen parses a log file's name; false for any other file.
func logGen(name string) (uint64, bool) {
	digits, ok := strings.CutPrefix(name, logPrefix)
	if !ok {
		return 0, false
	}
	if digits, ok = strings.CutSuffix(digits, logSuffix); !ok {
		return 0, false
	}
	gen, err := strconv.ParseUint(digits, 10, 64)
	return gen, err == nil
}

// logFile is what the store does with an open log file: an *os.File, or
// a wrapper that injects faults in tests.
type logFile interface {
	io.WriterAt
	Sync() error
	Truncate(size int64) error
	Close() error
}

// layer is the changes of one log file that are not yet folded into the
// database, in commit order.
type layer struct {
	gen  uint64
	path string
	// f is open on the newest layer, which takes new frames; nil on the
	// others.
	f logFile
	// size is where the next frame goes: the end of the last whole frame.
	size int64
	// alloc is how far the file holds zeros written ahead of the frames
	// to come (see Store.appendFrame): the bytes from size to alloc are
	// zeros.
	alloc   int64
	changes []emulator.Change
}

// overlay is what changes hold of one execution, merged: the last write
// of each record wins.
type overlay struct {
	// deleted drops what the database and older layers hold of the
	// execution; header and items then hold what came after the delete.
	deleted bool
	header  []byte
	items   map[itemKey][]byte
}

type itemKey struct {
	list  string
	index int
}

func newLayer(gen uint64, path string) *layer {
	return &layer{gen: gen, path: path, size: int64(len(logMagic)), alloc: int64(len(logMagic))}
}

// empty reports whether the layer's file holds no frame.
func (l *layer) empty() bool { return l.size <= int64(len(logMagic)) }

// merge merges changes per execution. The overlays refer to the changes'
// byte slices.
func merge(changes []emulator.Change) map[string]*overlay {
	execs := map[string]*overlay{}
	for _, c := range changes {
		o := execs[c.Key]
		if o == nil || c.Delete {
			o = &overlay{deleted: c.Delete, items: map[itemKey][]byte{}}
			execs[c.Key] = o
		}
		if c.Header != nil {
			o.header = c.Header
		}
		for _, it := range c.Items {
			o.items[itemKey{it.List, it.Index}] = it.Data
		}
	}
	return execs
}

// applyOverlays applies ovs, oldest first, to st, the execution as the
// database holds it (found reports whether it does), and returns the
// result and whether the execution exists. Items stay in list and then
// index order.
func applyOverlays(st emulator.StoredExecution, found bool, ovs []*overlay) (emulator.StoredExecution, bool) {
	pos := map[itemKey]int{}
	for i, it := range st.Items {
		if it.Index >= 0 {
			pos[itemKey{it.List, it.Index}] = i
		}
	}
	for _, o := range ovs {
		if o.deleted {
			st.Header, st.Items, found = nil, nil, false
			clear(pos)
		}
		if o.header == nil && len(o.items) == 0 {
			continue
		}
		found = true
		if o.header != nil {
			st.Header = o.header
		}
		for k, data := range o.items {
			if i, ok := pos[k]; ok {
				st.Items[i].Data = data
				continue
			}
			pos[k] = len(st.Items)
			st.Items = append(st.Items, emulator.Item{List: k.list, Index: k.index, Data: data})
		}
	}
	slices.SortStableFunc(st.Items, func(a, b emulator.Item) int {
		if c := strings.Compare(a.List, b.List); c != 0 {
			return c
		}
		return a.Index - b.Index
	})
	return st, found
}

// appendFrame appends the frame of changes to b.
func appendFrame(b []byte, changes []emulator.Change) ([]byte, error) {
	b = slices.Grow(b, frameSize(changes))
	start := len(b)
	b = append(b, make([]byte, frameHeader)...)
	b = binary.AppendUvarint(b, uint64(len(changes)))
	for _, c := range changes {
		b = appendBytes(b, c.Key)
		var flags byte
		if c.Delete {
			flags |= changeDelete
		}
		if c.Header != nil {
			flags |= changeHeader
		}
		b = append(b, flags)
		if c.Header != nil {
			b = appendBytes(b, c.Header)
		}
		b = binary.AppendUvarint(b, uint64(len(c.Items)))
		for _, it := range c.Items {
			if it.Index < 0 {
				return nil, fmt.Errorf("record %d of list %s of %s: negative index", it.Index, it.List, c.Key)
			}
			b = appendBytes(b, it.List)
			b = binary.AppendUvarint(b, uint64(it.Index))
			b = appendBytes(b, it.Data)
		}
	}
	payload := b[start+frameHeader:]
	if len(payload) > maxFrame {
		return nil, fmt.Errorf("a commit of %d bytes is larger than the log's limit of %d", len(payload), maxFrame)
	}
	binary.LittleEndian.PutUint32(b[start:], uint32(len(payload)))
	binary.LittleEndian.PutUint32(b[start+4:], crc32.Checksum(payload, castagnoli))
	return b, nil
}

// frameSize is the length of the frame of changes.
func frameSize(changes []emulator.Change) int {
	n := frameHeader + uvarintLen(len(changes))
	for _, c := range changes {
		n += bytesLen(len(c.Key)) + 1 + uvarintLen(len(c.Items))
		if c.Header != nil {
			n += bytesLen(len(c.Header))
		}
		for _, it := range c.Items {
			n += bytesLen(len(it.List)) + uvarintLen(it.Index) + bytesLen(len(it.Data))
		}
	}
	return n
}

// uvarintLen is the length of v as a uvarint; bytesLen that of n bytes
// with their length before them.
func uvarintLen(v int) int { return (bits.Len64(uint64(max(v, 0))|1) + 6) / 7 }
func bytesLen(n int) int   { return uvarintLen(n) + n }

func appendBytes[T string | []byte](b []byte, v T) []byte {
	b = binary.AppendUvarint(b, uint64(len(v)))
	return append(b, v...)
}

// nextFrame decodes the frame at the start of data and returns its
// changes, whose records refer to data, and the frame's length.
func nextFrame(data []byte) ([]emulator.Change, int, error) {
	if len(data) < frameHeader {
		return nil, 0, fmt.Errorf("%d bytes where a frame header of %d is due", len(data), frameHeader)
	}
	n := binary.LittleEndian.Uint32(data)
	if n > maxFrame || int(n) > len(data)-frameHeader {
		return nil, 0, fmt.Errorf("a frame of %d bytes where %d remain", n, len(data)-frameHeader)
	}
	payload := data[frameHeader : frameHeader+int(n)]
	if crc32.Checksum(payload, castagnoli) != binary.LittleEndian.Uint32(data[4:]) {
		return nil, 0, errors.New("checksum mismatch")
	}
	changes, err := decodeChanges(payload)
	if err != nil {
		return nil, 0, err
	}
	return changes, frameHeader + int(n), nil
}

// decodeChanges decodes a frame's payload.
func decodeChanges(p []byte) ([]emulator.Change, error) {
	d := decoder{p: p}
	n := d.count()
	changes := make([]emulator.Change, 0, min(n, len(p)))
	for range n {
		c := emulator.Change{Key: string(d.bytes())}
		flags := d.byte()
		c.Delete = flags&changeDelete != 0
		if flags&changeHeader != 0 {
			c.Header = d.bytes()
		}
		items := d.count()
		if d.err == nil {
			c.Items = make([]emulator.Item, 0, min(items, len(d.p)))
		}
		for range items {
			if d.err != nil {
				break
			}
			it := emulator.Item{List: string(d.bytes()), Index: d.count()}
			it.Data = d.bytes()
			c.Items = append(c.Items, it)
		}
		if d.err != nil {
			break
		}
		changes = append(changes, c)
	}
	if d.err == nil && len(d.p) != 0 {
		d.err = fmt.Errorf("%d bytes after the last change", len(d.p))
	}
	return changes, d.err
}

// decoder reads a frame's payload; the first error sticks and makes every
// further read return zero values.
type decoder struct {
	p   []byte
	err error
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.p)
	if n <= 0 {
		d.err = errors.New("bad length")
		return 0
	}
	d.p = d.p[n:]
	return v
}

// count reads a count or an index, which must fit what the payload could
// hold.
func (d *decoder) count() int {
	v := d.uvarint()
	if v > maxFrame {
		d.err = fmt.Errorf("count %d out of range", v)
		return 0
	}
	return int(v)
}

func (d *decoder) byte() byte {
	if d.err != nil {
		return 0
	}
	if len(d.p) == 0 {
		d.err = io.ErrUnexpectedEOF
		return 0
	}
	b := d.p[0]
	d.p = d.p[1:]
	return b
}

func (d *decoder) bytes() []byte {
	n := d.count()
	if d.err != nil {
		return nil
	}
	if n > len(d.p) {
		d.err = io.ErrUnexpectedEOF
		return nil
	}
	b := d.p[:n:n]
	d.p = d.p[n:]
	return b
}

// readLog reads the log file at path into a layer; nil when the file was
// created but a crash cut it short before its first frame. The frames end
// where only zeros follow: those written ahead of the frames to come. A
// damaged or incomplete frame is a write that a crash cut short when it is
// in the newest file (last): the file is cut back to the frames before it,
// which are all a Commit acknowledged. Anywhere else it is damage, and so
// is a file that is not a log.
func readLog(path string, gen uint64, last bool) (*layer, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("boltstore: reading the log: %w", err)
	}
	l := newLayer(gen, path)
	if !bytes.HasPrefix(data, []byte(logMagic)) {
		if last && len(data) < len(logMagic) && bytes.HasPrefix([]byte(logMagic), data) {
			// Created, but cut short before its first frame.
			if err := os.Remove(path); err != nil {
				return nil, fmt.Errorf("boltstore: removing an incomplete log file: %w", err)
			}
			return nil, nil
		}
		return nil, &CorruptError{Path: path, Err: errors.New("not a log file of this store")}
	}
	off := len(logMagic)
	for off < len(data) {
		if data[off] == 0 && len(bytes.TrimLeft(data[off:], "\x00")) == 0 {
			// A frame's length is never 0: these are the zeros written
			// ahead.
			break
		}
		changes, n, err := nextFrame(data[off:])
		if err != nil {
			if !last {
				return nil, &CorruptError{Path: path, Err: fmt.Errorf("frame at byte %d: %w", off, err)}
			}
			return l, cutLog(path, int64(off))
		}
		l.changes = append(l.changes, changes...)
		off += n
		l.size = int64(off)
	}
	return l, nil
}

// cutLog truncates the log at path to size, durably.
func cutLog(path string, size int64) error {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("boltstore: cutting off the incomplete end of the log: %w", err)
	}
	err = f.Truncate(size)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("boltstore: cutting off the incomplete end of the log %s: %w", path, err)
	}
	return nil
}

// createLog creates the log file of generation gen in dir, durably: its
// name is in the directory before a frame is acknowledged.
func createLog(dir string, gen uint64) (*layer, *os.File, error) {
	path := filepath.Join(dir, logName(gen))
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, nil, fmt.Errorf("boltstore: creating a log file: %w", err)
	}
	_, err = f.WriteAt([]byte(logMagic), 0)
	if err == nil {
		err = f.Sync()
	}
	if err == nil {
		err = syncDir(dir)
	}
	if err != nil {
		_ = f.Close()
		_ = os.Remove(path)
		return nil, nil, fmt.Errorf("boltstore: creating the log file %s: %w", path, err)
	}
	return newLayer(gen, path), f, nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// logFiles lists the generations of the log files in dir, oldest first.
func logFiles(dir string) ([]uint64, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("boltstore: listing the data directory: %w", err)
	}
	var gens []uint64
	for _, e := range entries {
		if gen, ok := logGen(e.Name()); ok && e.Type().IsRegular() {
			gens = append(gens, gen)
		}
	}
	slices.Sort(gens)
	return gens, nil
}
