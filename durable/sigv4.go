package durable

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// The parts of an AWS Signature Version 4 signature that do not change.
const (
	sigv4Algorithm  = "AWS4-HMAC-SHA256"
	sigv4Terminator = "aws4_request"
	sigv4DateLayout = "20060102T150405Z"
)

// sigv4Credentials are the execution role's credentials.
type sigv4Credentials struct {
	AccessKeyID, SecretAccessKey, SessionToken string
}

// sigv4Signer signs the default client's requests with AWS Signature
// Version 4, as aws-sdk-go-v2's v4.Signer does for a request whose headers
// are exactly those of sigv4Request, with what one client needs at every
// call kept between calls: the signing key, derived from the secret once
// per day, region and service, and the buffers the canonical request and
// the string to sign are built in. It is safe for concurrent use.
type sigv4Signer struct {
	region, service string
	scopeSuffix     string // "/<region>/<service>/aws4_request"

	mu      sync.Mutex
	keyDay  string // yyyymmdd the key is for
	secret  string // the secret it was derived from
	key     []byte
	mac     hash.Hash // HMAC-SHA256 under key
	hash    hash.Hash // SHA-256 of the canonical request
	buf     []byte
	sum     [sha256.Size]byte
	hexSum  [2 * sha256.Size]byte
	scratch [2 * sha256.Size]byte
}

// newSigV4Signer returns a signer for service in region.
func newSigV4Signer(region, service string) *sigv4Signer {
	return &sigv4Signer{region: region, service: service,
		scopeSuffix: "/" + region + "/" + service + "/" + sigv4Terminator, hash: sha256.New()}
}

// sigv4Request is what a signature covers. Path is the request's escaped
// path, Query its canonical query (keys sorted, each key and value
// escaped but for unreserved characters). The signed headers are
// content-length (when the body is not empty), content-type (when given),
// host, x-amz-date and x-amz-security-token (with a session token).
type sigv4Request struct {
	Method, Host, Path, Query, ContentType string
	Body                                   []byte
}

// sign sets the X-Amz-Date, X-Amz-Security-Token (with a session token)
// and Authorization headers of h for r, signed with creds at now.
func (s *sigv4Signer) sign(h http.Header, r sigv4Request, creds sigv4Credentials, now time.Time) {
	var dateBuf [len(sigv4DateLayout)]byte
	amzDate := string(now.UTC().AppendFormat(dateBuf[:0], sigv4DateLayout))
	day := amzDate[:8]
	h["X-Amz-Date"] = []string{amzDate}
	if creds.SessionToken != "" {
		h["X-Amz-Security-Token"] = []string{creds.SessionToken}
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	// The canonical request: method, path (escaped once more), query,
	// headers, signed header names and the payload's hash.
	b := append(s.buf[:0], r.Method...)
	b = append(b, '\n')
	b = appendEscaped(b, r.Path, true)
	b = append(b, '\n')
	b = append(b, r.Query...)
	b = append(b, '\n')
	signedStart := len(b)
	if len(r.Body) > 0 {
		b = append(b, "content-length:"...)
		b = strconv.AppendInt(b, int64(len(r.Body)), 10)
		b = append(b, '\n')
	}
	if r.ContentType != "" {
		b = append(b, "content-type:"...)
		b = append(b, r.ContentType...)
		b = append(b, '\n')
	}
	b = append(b, "host:"...)
	b = append(b, r.Host...)
	b = append(b, "\nx-amz-date:"...)
	b = append(b, amzDate...)
	b = append(b, '\n')
	if creds.SessionToken != "" {
		b = append(b, "x-amz-security-token:"...)
		b = append(b, creds.SessionToken...)
		b = append(b, '\n')
	}
	b = append(b, '\n')
	namesStart := len(b)
	b = appendSignedHeaderNames(b, b[signedStart:namesStart-1])
	signedHeaders := string(b[namesStart:])
	b = append(b, '\n')
	s.hash.Reset()
	s.hash.Write(r.Body)
	hex.Encode(s.hexSum[:], s.hash.Sum(s.sum[:0]))
	b = append(b, s.hexSum[:]...)
	s.hash.Reset()
	s.hash.Write(b)
	hex.Encode(s.hexSum[:], s.hash.Sum(s.sum[:0]))

	// The string to sign, then its HMAC under the day's signing key.
	b = append(b[:0], sigv4Algorithm+"\n"...)
	b = append(b, amzDate...)
	b = append(b, '\n')
	scopeStart := len(b)
	b = append(b, day...)
	b = append(b, s.scopeSuffix...)
	scope := string(b[scopeStart:])
	b = append(b, '\n')
	b = append(b, s.hexSum[:]...)
	mac := s.signingMAC(day, creds.SecretAccessKey)
	mac.Reset()
	mac.Write(b)
	hex.Encode(s.scratch[:], mac.Sum(s.sum[:0]))
	s.buf = b

	h["Authorization"] = []string{sigv4Algorithm + " Credential=" + creds.AccessKeyID + "/" + scope +
		", SignedHeaders=" + signedHeaders + ", Signature=" + string(s.scratch[:])}
}

// signingMAC returns the HMAC-SHA256 under the signing key of day, which
// it derives from secret only when the day or the secret changed.
func (s *sigv4Signer) signingMAC(day, secret string) hash.Hash {
	if s.mac != nil && s.keyDay == day && s.secret == secret {
		return s.mac
	}
	key := hmacSHA256([]byte("AWS4"+secret), day)
	key = hmacSHA256(key, s.region)
	key = hmacSHA256(key, s.service)
	s.key = hmacSHA256(key, sigv4Terminator)
	s.keyDay, s.secret = day, secret
	s.mac = hmac.New(sha256.New, s.key)
	return s.mac
}

// hmacSHA256 returns the HMAC-SHA256 of data under key.
func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

// appendSignedHeaderNames appends the names of the canonical header lines
// in lines ("name:value\n" each), joined by ";".
func appendSignedHeaderNames(b, lines []byte) []byte {
	first := true
	for len(lines) > 0 {
		end := 0
		for lines[end] != '\n' {
			end++
		}
		line := lines[:end]
		lines = lines[end+1:]
		colon := 0
		for line[colon] != ':' {
			colon++
		}
		if !first {
			b = append(b, ';')
		}
		first = false
		b = append(b, line[:colon]...)
	}
	return b
}

// appendEscaped appends s with every byte but unreserved characters
// percent-encoded, and "/" too unless keepSlash. With keepSlash, applied to
// an escaped path, it gives the canonical URI SigV4 wants for every
// service but S3 (the path escaped twice).
func appendEscaped(b []byte, s string, keepSlash bool) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (keepSlash && c == '/') || isUnreserved(c) {
			b = append(b, c)
			continue
		}
		b = append(b, '%', upperHex[c>>4], upperHex[c&15])
	}
	return b
}

// upperHex are the digits of a percent-encoding.
const upperHex = "0123456789ABCDEF"

// isUnreserved reports whether c is left as it is in a URI (RFC 3986).
func isUnreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~'
}
