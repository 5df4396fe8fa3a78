package wire

import (
	"strconv"
	"unicode/utf8"
)

// AppendCheckpointInput appends the JSON body of a
// CheckpointDurableExecution request to dst: exactly what json.Marshal(in)
// writes, HTML-safe escapes included, without reflection, so that a
// function's first checkpoint does not build encoding/json's encoders of
// the update types.
func AppendCheckpointInput(dst []byte, in *CheckpointInput) []byte {
	dst = append(dst, `{"CheckpointToken":`...)
	dst = appendString(dst, in.CheckpointToken)
	if in.ClientToken != "" {
		dst = append(dst, `,"ClientToken":`...)
		dst = appendString(dst, in.ClientToken)
	}
	if len(in.Updates) > 0 {
		dst = append(dst, `,"Updates":[`...)
		for i := range in.Updates {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendUpdate(dst, &in.Updates[i])
		}
		dst = append(dst, ']')
	}
	return append(dst, '}')
}

// AppendInvocationOutput appends the JSON of a response envelope to dst:
// exactly what a json.Encoder with SetEscapeHTML(false) writes for o, but
// the final newline, without reflection (a function's first response
// builds no encoding/json encoders).
func AppendInvocationOutput(dst []byte, o *InvocationOutput) []byte {
	dst = append(dst, `{"Status":`...)
	dst = appendJSONString(dst, string(o.Status), false)
	if o.Result != nil {
		dst = append(dst, `,"Result":`...)
		dst = appendJSONString(dst, *o.Result, false)
	}
	if o.Error != nil {
		dst = append(dst, `,"Error":`...)
		dst = appendErrorObject(dst, o.Error, false)
	}
	return append(dst, '}')
}

// appendUpdate appends an OperationUpdate as encoding/json writes it.
func appendUpdate(dst []byte, u *OperationUpdate) []byte {
	dst = append(dst, `{"Id":`...)
	dst = appendString(dst, u.Id)
	dst = appendOptString(dst, `,"ParentId":`, u.ParentId)
	dst = appendOptString(dst, `,"Name":`, u.Name)
	dst = append(dst, `,"Type":`...)
	dst = appendString(dst, string(u.Type))
	dst = appendOptString(dst, `,"SubType":`, u.SubType)
	dst = append(dst, `,"Action":`...)
	dst = appendString(dst, string(u.Action))
	dst = appendOptPayload(dst, `,"Payload":`, u.Payload)
	dst = appendOptError(dst, u.Error)
	if o := u.StepOptions; o != nil {
		dst = append(dst, `,"StepOptions":{"NextAttemptDelaySeconds":`...)
		dst = append(strconv.AppendInt(dst, int64(o.NextAttemptDelaySeconds), 10), '}')
	}
	if o := u.WaitOptions; o != nil {
		dst = append(dst, `,"WaitOptions":{"WaitSeconds":`...)
		dst = append(strconv.AppendInt(dst, int64(o.WaitSeconds), 10), '}')
	}
	if o := u.CallbackOptions; o != nil {
		dst = append(dst, `,"CallbackOptions":{`...)
		sep := ""
		if o.TimeoutSeconds != 0 {
			dst = strconv.AppendInt(append(dst, `"TimeoutSeconds":`...), int64(o.TimeoutSeconds), 10)
			sep = ","
		}
		if o.HeartbeatTimeoutSeconds != 0 {
			dst = strconv.AppendInt(append(append(dst, sep...), `"HeartbeatTimeoutSeconds":`...), int64(o.HeartbeatTimeoutSeconds), 10)
		}
		dst = append(dst, '}')
	}
	if o := u.ChainedInvokeOptions; o != nil {
		dst = append(dst, `,"ChainedInvokeOptions":{"FunctionName":`...)
		dst = appendString(dst, o.FunctionName)
		dst = appendOptString(dst, `,"TenantId":`, o.TenantId)
		dst = appendOptString(dst, `,"XAmznTraceId":`, o.XAmznTraceId)
		dst = append(dst, '}')
	}
	if o := u.ContextOptions; o != nil {
		dst = append(dst, `,"ContextOptions":{`...)
		if o.ReplayChildren {
			dst = append(dst, `"ReplayChildren":true`...)
		}
		dst = append(dst, '}')
	}
	return append(dst, '}')
}

// appendErrorObject appends an ErrorObject as encoding/json writes it;
// html as for appendJSONString.
func appendErrorObject(dst []byte, e *ErrorObject, html bool) []byte {
	dst = append(dst, '{')
	n := len(dst)
	for _, f := range [...]struct{ key, v string }{
		{`,"ErrorType":`, e.ErrorType}, {`,"ErrorMessage":`, e.ErrorMessage}, {`,"ErrorData":`, e.ErrorData},
	} {
		if f.v != "" {
			dst = appendJSONString(append(dst, f.key...), f.v, html)
		}
	}
	if len(e.StackTrace) > 0 {
		dst = append(dst, `,"StackTrace":[`...)
		for i, line := range e.StackTrace {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendJSONString(dst, line, html)
		}
		dst = append(dst, ']')
	}
	return closeObject(dst, n)
}

// appendOptString appends key and s unless s is empty (omitempty).
func appendOptString(dst []byte, key, s string) []byte {
	if s == "" {
		return dst
	}
	return appendString(append(dst, key...), s)
}

// appendString appends s as a JSON string as json.Marshal writes it, with
// HTML escaping: <, > and & as \u003c, \u003e and \u0026, U+2028 and
// U+2029 escaped, invalid UTF-8 as \ufffd.
func appendString(dst []byte, s string) []byte { return appendJSONString(dst, s, true) }

// appendJSONString appends s as a JSON string as encoding/json writes it;
// html says whether <, > and & are escaped (json.Encoder.SetEscapeHTML).
func appendJSONString(dst []byte, s string, html bool) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && (!html || c != '<' && c != '>' && c != '&') {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
