// Command rss runs one execution of the seq-N workflow in this process and
// prints the process's peak resident set size (VmHWM of
// /proc/self/status), to compare with the JavaScript anchor's peak RSS of a
// process running one execution (114 MB for seq-1000 there).
//
//	go run ./bench/rss                 # seq-1000 through the local runner
//	go run ./bench/rss -n 1000 -sdk    # through the SDK alone (bench.MemClient)
//
// It prints one JSON line: the workflow, the path, the execution's status
// and vmhwm_kb / vmrss_kb. Linux only.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"strconv"

	"github.com/acme/durable-lambda-go/bench"
	"github.com/acme/durable-lambda-go/durable"
	"github.com/acme/durable-lambda-go/durable/durabletest"
)

func main() {
	n := flag.Int("n", 1000, "number of sequential steps")
	sdk := flag.Bool("sdk", false, "run through the SDK alone with an in-memory client instead of the local runner")
	flag.Parse()
	status, err := run(*n, *sdk)
	if err != nil {
		log.Fatal(err)
	}
	hwm, err := procStatus("VmHWM")
	if err != nil {
		log.Fatal(err)
	}
	rss, err := procStatus("VmRSS")
	if err != nil {
		log.Fatal(err)
	}
	path := "runner"
	if *sdk {
		path = "sdk"
	}
	line, err := json.Marshal(map[string]any{"workflow": fmt.Sprintf("seq-%d", *n), "path": path, "status": status, "vmhwm_kb": hwm, "vmrss_kb": rss})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(line))
}

// run executes seq-n once and returns the execution's status.
func run(n int, sdk bool) (string, error) {
	if !sdk {
		res, err := durabletest.NewLocalRunner(bench.Seq, bench.Quiet()).RunUntilComplete(bench.SeqInput{N: n})
		if err != nil {
			return "", err
		}
		return string(res.Status), nil
	}
	client := bench.NewMemClient(false)
	fn := durable.Wrap(bench.Seq, durable.WithExecutionClient(client), bench.Quiet())
	input, err := json.Marshal(bench.SeqInput{N: n})
	if err != nil {
		return "", err
	}
	out, _, err := bench.Drive(context.Background(), fn, client, input)
	return string(out.Status), err
}

// procStatus returns a "kB" field of /proc/self/status.
func procStatus(field string) (int, error) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, value, ok := bytes.Cut(sc.Bytes(), []byte(":"))
		if !ok || string(name) != field {
			continue
		}
		kb, _, _ := bytes.Cut(bytes.TrimSpace(value), []byte(" "))
		return strconv.Atoi(string(kb))
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("rss: no %s in /proc/self/status", field)
}
