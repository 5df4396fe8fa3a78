package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
)

// waitLimit bounds every wait of a test on a command running in the
// background: a command that hangs fails the test instead.
const waitLimit = 3 * time.Minute

// session is a durablectl command running in the background, one of its
// streams read through a pipe as it writes, the other collected.
type session struct {
	t     *testing.T
	r     *os.File
	said  strings.Builder // what was read from the pipe so far
	other bytes.Buffer    // the other stream; read it after wait
	codes chan int
}

// start runs durablectl with args on ctx in the background; pipeStderr
// chooses which stream the session reads as it comes (stdout otherwise).
func start(ctx context.Context, t *testing.T, pipeStderr bool, args ...string) *session {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	s := &session{t: t, r: r, codes: make(chan int, 1)}
	go func() {
		defer w.Close()
		stdout, stderr := io.Writer(w), io.Writer(&s.other)
		if pipeStderr {
			stdout, stderr = stderr, stdout
		}
		s.codes <- run(ctx, args, strings.NewReader(""), stdout, stderr)
	}()
	return s
}

// await reads the piped stream until re matches it and returns the
// match's submatches.
func (s *session) await(re *regexp.Regexp) []string {
	s.t.Helper()
	if err := s.r.SetReadDeadline(time.Now().Add(waitLimit)); err != nil {
		s.t.Fatal(err)
	}
	buf := make([]byte, 4096)
	for !re.MatchString(s.said.String()) {
		n, err := s.r.Read(buf)
		if errors.Is(err, os.ErrDeadlineExceeded) {
			s.t.Fatalf("nothing matched %q within %s; so far:\n%s", re, waitLimit, s.said.String())
		}
		if err != nil {
			s.t.Fatalf("the command ended before printing a match of %q: %v\n%s", re, err, s.said.String())
		}
		s.said.Write(buf[:n])
	}
	return re.FindStringSubmatch(s.said.String())
}

// wait returns the command's exit status once it has ended, and all the
// piped stream said.
func (s *session) wait() (int, string) {
	s.t.Helper()
	select {
	case code := <-s.codes:
		if err := s.r.SetReadDeadline(time.Now().Add(waitLimit)); err != nil {
			s.t.Fatal(err)
		}
		rest, err := io.ReadAll(s.r)
		if err != nil {
			s.t.Fatalf("reading the rest of the output: %v", err)
		}
		s.said.Write(rest)
		return code, s.said.String()
	case <-time.After(waitLimit):
		s.t.Fatalf("the command did not end within %s; it said:\n%s", waitLimit, s.said.String())
		return 0, ""
	}
}
