package cloudasm

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Version is the version every function is hosted as: the ARNs that
// environment values resolve to name it, and the function's aliases point
// at it.
const Version = "1"

// stack is one template being read: its resources and the local names of
// its functions, for resolving intrinsics.
type stack struct {
	id, name  string
	resources map[string]resource
	opts      Options
	// names maps a hosted function's logical id to its local name.
	names map[string]string
}

// logicalIDs returns the sorted logical ids of the resources of type typ.
func (s *stack) logicalIDs(typ string) []string {
	var ids []string
	for id, r := range s.resources {
		if r.Type == typ {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

// aliasProps are the AWS::Lambda::Alias properties Read uses.
type aliasProps struct {
	Name         string `json:"Name"`
	FunctionName any    `json:"FunctionName"`
}

// aliasesOf returns the names of the aliases of the function fnID.
func (s *stack) aliasesOf(fnID string) []string {
	var names []string
	for _, id := range s.logicalIDs("AWS::Lambda::Alias") {
		var p aliasProps
		if unmarshalProps(s.resources[id].Properties, &p) == nil && refersTo(p.FunctionName, fnID) && p.Name != "" {
			names = append(names, p.Name)
		}
	}
	slices.Sort(names)
	return names
}

// refersTo reports whether v is {"Ref": id}.
func refersTo(v any, id string) bool {
	m, ok := v.(map[string]any)
	return ok && len(m) == 1 && m["Ref"] == id
}

// functionARN is the local ARN of the function named name, qualified
// when qualifier is not empty.
func (s *stack) functionARN(name, qualifier string) string {
	arn := fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", s.opts.Region, s.opts.AccountID, name)
	if qualifier != "" {
		arn += ":" + qualifier
	}
	return arn
}

// resolve turns an environment value into the string Lambda would see,
// resolving the intrinsics that name this stack's functions, their aliases
// and versions, and the pseudo parameters.
func (s *stack) resolve(v any) (string, error) {
	switch v := v.(type) {
	case string:
		return v, nil
	case float64, bool:
		return fmt.Sprint(v), nil
	case map[string]any:
		if len(v) != 1 {
			break
		}
		for fn, arg := range v {
			switch fn {
			case "Ref":
				name, ok := arg.(string)
				if !ok {
					break
				}
				return s.ref(name)
			case "Fn::GetAtt":
				return s.getAttArg(arg)
			case "Fn::Join":
				return s.join(arg)
			case "Fn::Sub":
				return s.sub(arg)
			}
			return "", fmt.Errorf("%s cannot be resolved locally", fn)
		}
	}
	data, _ := json.Marshal(v)
	return "", fmt.Errorf("unsupported value %s", data)
}

// ref resolves {"Ref": name}.
func (s *stack) ref(name string) (string, error) {
	switch name {
	case "AWS::Region":
		return s.opts.Region, nil
	case "AWS::AccountId":
		return s.opts.AccountID, nil
	case "AWS::Partition":
		return "aws", nil
	case "AWS::URLSuffix":
		return "amazonaws.com", nil
	case "AWS::StackName":
		return s.name, nil
	}
	res, ok := s.resources[name]
	if !ok {
		return "", fmt.Errorf("Ref %s: no such resource or pseudo parameter", name)
	}
	switch res.Type {
	case "AWS::Lambda::Function":
		if local, ok := s.names[name]; ok {
			return local, nil
		}
	case "AWS::Lambda::Alias":
		var p aliasProps
		if err := unmarshalProps(res.Properties, &p); err == nil {
			if local, ok := s.target(p.FunctionName); ok {
				return s.functionARN(local, p.Name), nil
			}
		}
	case "AWS::Lambda::Version":
		var p struct {
			FunctionName any `json:"FunctionName"`
		}
		if err := unmarshalProps(res.Properties, &p); err == nil {
			if local, ok := s.target(p.FunctionName); ok {
				return s.functionARN(local, Version), nil
			}
		}
	}
	return "", fmt.Errorf("Ref %s: a %s is not hosted locally", name, res.Type)
}

// target returns the local name of the hosted function a FunctionName
// property refers to.
func (s *stack) target(functionName any) (string, bool) {
	m, ok := functionName.(map[string]any)
	if !ok || len(m) != 1 {
		return "", false
	}
	id, _ := m["Ref"].(string)
	local, ok := s.names[id]
	return local, ok
}

// getAttArg resolves the argument of Fn::GetAtt: [id, attr] or "id.attr".
func (s *stack) getAttArg(arg any) (string, error) {
	switch a := arg.(type) {
	case []any:
		if len(a) == 2 {
			id, ok1 := a[0].(string)
			attr, ok2 := a[1].(string)
			if ok1 && ok2 {
				return s.getAtt(id, attr)
			}
		}
	case string:
		if id, attr, ok := strings.Cut(a, "."); ok {
			return s.getAtt(id, attr)
		}
	}
	return "", fmt.Errorf("malformed Fn::GetAtt %v", arg)
}

// getAtt resolves the attributes of hosted functions, their aliases and
// versions that hold ARNs or names.
func (s *stack) getAtt(id, attr string) (string, error) {
	res, ok := s.resources[id]
	if !ok {
		return "", fmt.Errorf("Fn::GetAtt %s.%s: no such resource", id, attr)
	}
	if local, ok := s.names[id]; ok && res.Type == "AWS::Lambda::Function" && attr == "Arn" {
		return s.functionARN(local, ""), nil
	}
	if (res.Type == "AWS::Lambda::Alias" && attr == "AliasArn") || (res.Type == "AWS::Lambda::Version" && attr == "FunctionArn") {
		return s.ref(id)
	}
	if res.Type == "AWS::Lambda::Version" && attr == "Version" {
		var p struct {
			FunctionName any `json:"FunctionName"`
		}
		if err := unmarshalProps(res.Properties, &p); err == nil {
			if _, ok := s.target(p.FunctionName); ok {
				return Version, nil
			}
		}
	}
	return "", fmt.Errorf("Fn::GetAtt %s.%s: a %s attribute is not known locally", id, attr, res.Type)
}

// join resolves the argument of Fn::Join: [separator, [values...]].
func (s *stack) join(arg any) (string, error) {
	a, ok := arg.([]any)
	if !ok || len(a) != 2 {
		return "", fmt.Errorf("malformed Fn::Join %v", arg)
	}
	sep, ok1 := a[0].(string)
	parts, ok2 := a[1].([]any)
	if !ok1 || !ok2 {
		return "", fmt.Errorf("malformed Fn::Join %v", arg)
	}
	out := make([]string, len(parts))
	for i, p := range parts {
		v, err := s.resolve(p)
		if err != nil {
			return "", err
		}
		out[i] = v
	}
	return strings.Join(out, sep), nil
}

// subVar is a ${Name} or ${Name.Attr} placeholder of Fn::Sub; ${!Literal}
// stands for ${Literal}.
var subVar = regexp.MustCompile(`\$\{([^}]*)\}`)

// sub resolves the argument of Fn::Sub: a string, or [string, {vars}].
func (s *stack) sub(arg any) (string, error) {
	var text string
	vars := map[string]any{}
	switch a := arg.(type) {
	case string:
		text = a
	case []any:
		if len(a) != 2 {
			return "", fmt.Errorf("malformed Fn::Sub %v", arg)
		}
		var ok bool
		if text, ok = a[0].(string); !ok {
			return "", fmt.Errorf("malformed Fn::Sub %v", arg)
		}
		if m, ok := a[1].(map[string]any); ok {
			vars = m
		}
	default:
		return "", fmt.Errorf("malformed Fn::Sub %v", arg)
	}
	var firstErr error
	out := subVar.ReplaceAllStringFunc(text, func(m string) string {
		name := m[2 : len(m)-1]
		var v string
		var err error
		switch {
		case strings.HasPrefix(name, "!"):
			return "${" + name[1:] + "}"
		case vars[name] != nil:
			v, err = s.resolve(vars[name])
		case strings.Contains(name, "."):
			id, attr, _ := strings.Cut(name, ".")
			v, err = s.getAtt(id, attr)
		default:
			v, err = s.ref(name)
		}
		if err != nil && firstErr == nil {
			firstErr = err
		}
		return v
	})
	return out, firstErr
}
