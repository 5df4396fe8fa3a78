// Command loopclient is the client half of BenchmarkLoopbackFloor: it
// POSTs a checkpoint-sized body to the URL in its first argument as many
// times as its second argument says, one request at a time over one
// keep-alive connection, with net/http's default client and SigV4-shaped
// headers, reading each answer to the end.
package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: loopclient URL N")
		os.Exit(2)
	}
	n, err := strconv.Atoi(os.Args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	body := bytes.Repeat([]byte("x"), 450)
	for range n {
		req, err := http.NewRequest(http.MethodPost, os.Args[1], bytes.NewReader(body))
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Amz-Date", "20261207T172200Z")
		req.Header.Set("X-Amz-Security-Token", "local-emulator-session")
		req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=LOCALEMULATOR/20261207/us-east-1/lambda/aws4_request, "+
			"SignedHeaders=content-length;content-type;host;x-amz-date;x-amz-security-token, "+
			"Signature=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil {
			fmt.Fprintln(os.Stderr, "loopclient: reading the answer:", err)
			os.Exit(1)
		}
		if resp.StatusCode != http.StatusOK {
			fmt.Fprintln(os.Stderr, "loopclient: the server answered", resp.Status)
			os.Exit(1)
		}
	}
}
