package wire

import (
	"fmt"
	"strings"
)

// ExecutionARN is the parsed form of a durable execution ARN:
//
//	arn:<partition>:lambda:<region>:<account>:function:<function>:<qualifier>/durable-execution/<name>/<id>
//
// The qualifier is always $LATEST or a version number; ID is the id of the
// execution's EXECUTION operation.
type ExecutionARN struct {
	Partition string
	Region    string
	Account   string
	Function  string
	Qualifier string
	Name      string
	ID        string
}

// ParseExecutionARN parses a durable execution ARN.
func ParseExecutionARN(s string) (ExecutionARN, error) {
	fnPart, rest, ok := strings.Cut(s, "/durable-execution/")
	if !ok {
		return ExecutionARN{}, fmt.Errorf("wire: %q is not a durable execution ARN: no /durable-execution/ segment", s)
	}
	name, id, ok := strings.Cut(rest, "/")
	if !ok || name == "" || id == "" || strings.Contains(id, "/") {
		return ExecutionARN{}, fmt.Errorf("wire: %q is not a durable execution ARN: want .../durable-execution/<name>/<id>", s)
	}
	f := strings.Split(fnPart, ":")
	if len(f) != 8 || f[0] != "arn" || f[2] != "lambda" || f[5] != "function" || f[6] == "" || f[7] == "" {
		return ExecutionARN{}, fmt.Errorf("wire: %q is not a durable execution ARN: want arn:<partition>:lambda:<region>:<account>:function:<name>:<qualifier>", s)
	}
	return ExecutionARN{Partition: f[1], Region: f[3], Account: f[4], Function: f[6], Qualifier: f[7], Name: name, ID: id}, nil
}

// FunctionARN returns the qualified function ARN the execution runs on.
func (a ExecutionARN) FunctionARN() string {
	return fmt.Sprintf("arn:%s:lambda:%s:%s:function:%s:%s", a.Partition, a.Region, a.Account, a.Function, a.Qualifier)
}

// String formats the ARN.
func (a ExecutionARN) String() string {
	return a.FunctionARN() + "/durable-execution/" + a.Name + "/" + a.ID
}
