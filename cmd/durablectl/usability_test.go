package main

import (
	"context"
	"net"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/acme/durable-lambda-go/internal/testwait"
)

func TestFunctionName(t *testing.T) {
	tests := []struct {
		name string
		ff   functionFlags
		want string
	}{
		{"the seed workflow", functionFlags{pkg: "./lambda"}, "seed"},
		{"the seed workflow, spelt otherwise", functionFlags{pkg: "lambda/"}, "seed"},
		{"a package directory", functionFlags{pkg: "./mine"}, "mine"},
		{"a nested package", functionFlags{pkg: "./cmd/approvals/"}, "approvals"},
		{"an import path", functionFlags{pkg: "example.com/shop/order-flow"}, "order-flow"},
		{"the current directory", functionFlags{pkg: "."}, dirNameForTest(t, ".")},
		{"a bootstrap binary", functionFlags{binary: "build/payments/bootstrap"}, "payments"},
		{"a named binary", functionFlags{binary: "/tmp/refunds.bin"}, "refunds"},
		{"characters a name cannot hold", functionFlags{pkg: "./my.func+v2"}, "my-func-v2"},
		{"an explicit name wins", functionFlags{pkg: "./mine", name: "orders"}, "orders"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.ff.functionName(); got != tt.want {
				t.Errorf("functionName() = %q, want %q", got, tt.want)
			}
		})
	}
}

// dirNameForTest is the name of directory dir, as the test sees it.
func dirNameForTest(t *testing.T, dir string) string {
	t.Helper()
	abs, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	return functionNameOf(filepath.Base(abs))
}

// show, history and stop take an execution's name as well as its ARN.
func TestClientCommandsTakeAName(t *testing.T) {
	h := served(t, demoBinary)
	url := h.srv.URL()
	done := startExecution(t, h, "done-2", `{"name":"ed"}`)
	if _, err := h.svc.WaitForExecution(testwait.Context(t), done); err != nil {
		t.Fatalf("WaitForExecution(%s): %v", done, err)
	}
	waiting := startExecution(t, h, "waiting-2", `{"name":"fa","wait":3600}`)

	code, stdout, stderr := cli(t, "show", "--endpoint", url, "done-2")
	if code != exitOK {
		t.Fatalf("show by name: exit %d: %s", code, stderr)
	}
	wantLines(t, stdout, "^"+regexp.QuoteMeta(done)+"$", `^done-2  SUCCEEDED `)
	code, stdout, stderr = cli(t, "history", "done-2", "--endpoint", url, "--function-name", "seed")
	if code != exitOK {
		t.Fatalf("history by name: exit %d: %s", code, stderr)
	}
	wantLines(t, stdout, `^1 +\S+ +ExecutionStarted +execution "done-2" started$`)
	code, stdout, stderr = cli(t, "stop", "--endpoint", url, "waiting-2")
	if code != exitOK || !strings.HasPrefix(stdout, "stopped "+waiting) {
		t.Fatalf("stop by name: exit %d, %q, %s", code, stdout, stderr)
	}

	tests := []struct {
		name string
		args []string
		msg  string
	}{
		{"unknown name", []string{"show", "nothing-2"}, `no execution named "nothing-2" of function seed at this endpoint`},
		{"unknown function", []string{"history", "--function-name", "other", "done-2"}, `no function "other" at this endpoint`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := cli(t, append(tt.args, "--endpoint", url)...)
			if code != exitError || !strings.Contains(stderr, tt.msg) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, stderr, exitError, tt.msg)
			}
		})
	}
}

// An interrupted run says what became of its execution: gone with the
// process, or kept in --data-dir, where running again re-attaches to it.
func TestRunInterrupted(t *testing.T) {
	dataDir := t.TempDir()
	payload := `{"name":"io","callback":true}`
	waiting := regexp.MustCompile(`durablectl callback succeed --endpoint `)
	tests := []struct {
		name  string
		flags []string
		said  []string // lines of stdout, in order
		msg   string   // on stderr
	}{
		{"in memory", nil, []string{`^ +\+0s  execution "held-1" started$`},
			`interrupted: execution "held-1" lived only in this process's memory and is gone; with --data-dir DIR executions are kept`},
		{"in a data directory", []string{"--data-dir", dataDir}, []string{`^ +\+0s  execution "held-1" started$`},
			`interrupted: execution "held-1" is kept in ` + dataDir + `; run again with --name held-1 --data-dir ` + dataDir + ` to re-attach to it`},
		{"re-attached", []string{"--data-dir", dataDir}, []string{`^re-attached to execution "held-1", kept in ` + regexp.QuoteMeta(dataDir) + ` since .* \(RUNNING\); its history so far, then what follows:$`, `^ +\+0s  execution "held-1" started$`},
			`interrupted: execution "held-1" is kept in ` + dataDir},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, interrupt := context.WithCancel(t.Context())
			defer interrupt()
			args := append([]string{"run", "--binary", callbackBinary, "--name", "held-1"}, tt.flags...)
			s := start(ctx, t, true, append(args, payload)...)
			s.await(waiting)
			interrupt()
			code, _ := s.wait()
			if code != exitError {
				t.Errorf("exit %d after the interrupt, want %d", code, exitError)
			}
			wantLines(t, s.other.String(), tt.said...)
			if !strings.Contains(s.said.String(), tt.msg) {
				t.Errorf("stderr lacks %q:\n%s", tt.msg, s.said.String())
			}
		})
	}
}

// Running again with the name and --data-dir of a finished execution
// shows it rather than starting one.
func TestRunShowsAFinishedExecutionAgain(t *testing.T) {
	dataDir := t.TempDir()
	args := []string{"run", "--binary", demoBinary, "--name", "again-1", "--data-dir", dataDir, `{"name":"al"}`}
	if code, stdout, stderr := cli(t, args...); code != exitOK {
		t.Fatalf("first run: exit %d\n%s%s", code, stdout, stderr)
	}
	code, stdout, stderr := cli(t, args...)
	if code != exitOK {
		t.Fatalf("second run: exit %d\n%s%s", code, stdout, stderr)
	}
	wantLines(t, stdout,
		`^execution "again-1", kept in `+regexp.QuoteMeta(dataDir)+` since .*, had already ended SUCCEEDED; its history:$`,
		`^ +\+0s  execution "again-1" started$`,
		`^again-1  SUCCEEDED  in .* \(1 invocation\)$`)
}

func TestServeAddressInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	code, _, stderr := cli(t, "serve", "--binary", demoBinary, "--addr", ln.Addr().String())
	want := "choose another address with --addr, e.g. --addr 127.0.0.1:0 for any free port"
	if code != exitError || !strings.Contains(stderr, "address already in use") || !strings.Contains(stderr, want) {
		t.Errorf("exit %d, stderr %q; want %d and a hint about --addr", code, stderr, exitError)
	}
}
