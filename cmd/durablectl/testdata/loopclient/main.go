// Command loopclient is the client half of BenchmarkLoopbackFloor: it
// POSTs a checkpoint-sized body with SigV4-shaped headers to the URL in
// its second argument as many times as its third argument says, one
// request at a time over one keep-alive connection, reading each answer
// to the end. Its first argument is the client:
//
//   - nethttp: net/http's default client (its Transport's write and read
//     loops);
//   - serial: each request written and its answer read on the calling
//     goroutine (http.Request.Write, http.ReadResponse), as the SDK's
//     default client does for a local endpoint.
//
// A fourth argument, the path of a Unix socket, makes the serial client
// connect there instead of to the URL's host.
package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
)

func main() {
	if len(os.Args) != 4 && len(os.Args) != 5 {
		fmt.Fprintln(os.Stderr, "usage: loopclient nethttp|serial URL N [SOCKET]")
		os.Exit(2)
	}
	n, err := strconv.Atoi(os.Args[3])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	var roundTrip func(*http.Request) (*http.Response, error)
	switch os.Args[1] {
	case "nethttp":
		roundTrip = http.DefaultClient.Do
	case "serial":
		roundTrip, err = serialClient(os.Args[2], os.Args[4:])
	default:
		err = fmt.Errorf("unknown client %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "loopclient:", err)
		os.Exit(2)
	}
	body := bytes.Repeat([]byte("x"), 450)
	for range n {
		if err := post(roundTrip, os.Args[2], body); err != nil {
			fmt.Fprintln(os.Stderr, "loopclient:", err)
			os.Exit(1)
		}
	}
}

// post sends one request and reads its answer to the end.
func post(roundTrip func(*http.Request) (*http.Response, error), url string, body []byte) error {
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Amz-Date", "20261207T172200Z")
	req.Header.Set("X-Amz-Security-Token", "local-emulator-session")
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=LOCALEMULATOR/20261207/us-east-1/lambda/aws4_request, "+
		"SignedHeaders=content-length;content-type;host;x-amz-date;x-amz-security-token, "+
		"Signature=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")
	resp, err := roundTrip(req)
	if err != nil {
		return err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err != nil {
		return fmt.Errorf("reading the answer: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("the server answered %s", resp.Status)
	}
	return nil
}

// serialClient connects to the URL's host, or to the Unix socket when one
// is given, and returns a round trip over that one connection.
func serialClient(url string, socket []string) (func(*http.Request) (*http.Response, error), error) {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	network, address := "tcp", req.URL.Host
	if len(socket) == 1 {
		network, address = "unix", socket[0]
	}
	conn, err := net.Dial(network, address)
	if err != nil {
		return nil, err
	}
	r, w := bufio.NewReader(conn), bufio.NewWriter(conn)
	return func(req *http.Request) (*http.Response, error) {
		if err := req.Write(w); err != nil {
			return nil, err
		}
		if err := w.Flush(); err != nil {
			return nil, err
		}
		return http.ReadResponse(r, req)
	}, nil
}
