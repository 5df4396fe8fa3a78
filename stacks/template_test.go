package stacks

import (
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
)

// stackCase is one synthesized stack and what its props should produce.
type stackCase struct {
	name string
	tpl  func(*synthesis) template
	want struct {
		executionTimeout, retentionDays, timeout, memory, logRetentionDays float64
		arch, alias                                                        string
		environment                                                        map[string]interface{}
		statuses                                                           []interface{}
	}
}

func stackCases() []stackCase {
	def := stackCase{name: "Default", tpl: func(s *synthesis) template { return s.defJSON }}
	def.want.executionTimeout, def.want.retentionDays = 86400, 14
	def.want.timeout, def.want.memory, def.want.logRetentionDays = 60, 256, 30
	def.want.arch, def.want.alias = "arm64", "prod"

	custom := stackCase{name: "Custom", tpl: func(s *synthesis) template { return s.customJSON }}
	custom.want.executionTimeout, custom.want.retentionDays = 5400, 30
	custom.want.timeout, custom.want.memory, custom.want.logRetentionDays = 300, 1024, 7
	custom.want.arch, custom.want.alias = "x86_64", "live"
	custom.want.environment = map[string]interface{}{"Variables": map[string]interface{}{"LOG_LEVEL": "debug"}}
	custom.want.statuses = []interface{}{"FAILED", "TIMED_OUT", "STOPPED"}
	return []stackCase{def, custom}
}

// eachStack runs check as a subtest on each synthesized stack.
func eachStack(t *testing.T, check func(t *testing.T, tc stackCase, tpl template)) {
	t.Helper()
	s := synthesized(t)
	for _, tc := range stackCases() {
		t.Run(tc.name, func(t *testing.T) { check(t, tc, tc.tpl(s)) })
	}
}

func TestFunctionConfiguration(t *testing.T) {
	eachStack(t, func(t *testing.T, tc stackCase, tpl template) {
		logID, _ := tpl.only(t, "AWS::Logs::LogGroup")
		_, fn := tpl.only(t, "AWS::Lambda::Function")
		p := props(fn)
		checks := []struct {
			field string
			got   interface{}
			want  interface{}
		}{
			{"DurableConfig", p["DurableConfig"], map[string]interface{}{
				"ExecutionTimeout": tc.want.executionTimeout, "RetentionPeriodInDays": tc.want.retentionDays}},
			{"Runtime", p["Runtime"], "provided.al2023"},
			{"Handler", p["Handler"], "bootstrap"},
			{"Architectures", p["Architectures"], []interface{}{tc.want.arch}},
			{"Timeout", p["Timeout"], tc.want.timeout},
			{"MemorySize", p["MemorySize"], tc.want.memory},
			{"Environment", p["Environment"], interfaceOrNil(tc.want.environment)},
			{"LoggingConfig", p["LoggingConfig"], map[string]interface{}{"LogGroup": ref(logID)}},
			{"FunctionName", p["FunctionName"], nil},
		}
		for _, c := range checks {
			if !reflect.DeepEqual(c.got, c.want) {
				t.Errorf("Function %s = %s, want %s", c.field, canonical(c.got), canonical(c.want))
			}
		}
	})
}

// interfaceOrNil turns a nil map into an untyped nil for DeepEqual.
func interfaceOrNil(m map[string]interface{}) interface{} {
	if m == nil {
		return nil
	}
	return m
}

func TestExecutionRole(t *testing.T) {
	eachStack(t, func(t *testing.T, tc stackCase, tpl template) {
		fnID, _ := tpl.only(t, "AWS::Lambda::Function")
		roleID, role := tpl.functionRole(t)
		logID, _ := tpl.only(t, "AWS::Logs::LogGroup")

		if m, ok := props(role)["ManagedPolicyArns"]; ok {
			t.Errorf("function role has managed policies %s, want none (no AWSLambdaBasicDurableExecutionRolePolicy)", canonical(m))
		}
		if inline, ok := props(role)["Policies"]; ok {
			t.Errorf("function role has inline policies %s, want none", canonical(inline))
		}

		// Policies attached to the function role, by logical id.
		attached := map[string]bool{}
		for id, p := range tpl.resources("AWS::IAM::Policy") {
			for _, r := range strs(props(p)["Roles"]) {
				if reflect.DeepEqual(r, ref(roleID)) {
					attached[id] = true
				}
			}
		}
		all := tpl.statements()
		var durable, logs []map[string]interface{}
		for id := range attached {
			for _, st := range all[id] {
				for _, a := range strs(st["Action"]) {
					if strings.Contains(a.(string), "Durable") {
						durable = append(durable, st)
						break
					}
					if strings.HasPrefix(a.(string), "logs:") {
						logs = append(logs, st)
						break
					}
				}
			}
		}
		wantCheckpoint := map[string]interface{}{
			"Effect":   "Allow",
			"Action":   []interface{}{"lambda:CheckpointDurableExecution", "lambda:GetDurableExecutionState"},
			"Resource": joinSuffix(getAtt(fnID, "Arn"), ":*"),
		}
		if len(durable) != 1 || !reflect.DeepEqual(durable[0], wantCheckpoint) {
			t.Errorf("durable statements on the function role = %s, want exactly %s", canonical(durable), canonical(wantCheckpoint))
		}
		wantLogs := map[string]interface{}{
			"Effect":   "Allow",
			"Action":   []interface{}{"logs:CreateLogStream", "logs:PutLogEvents"},
			"Resource": getAtt(logID, "Arn"),
		}
		if len(logs) != 1 || !reflect.DeepEqual(logs[0], wantLogs) {
			t.Errorf("log statements on the function role = %s, want exactly %s", canonical(logs), canonical(wantLogs))
		}

		// Nothing in the stack may grant a durable action on "*".
		for id, sts := range all {
			for _, st := range sts {
				if !grantsDurableOnAnyResource(st) {
					continue
				}
				t.Errorf("%s grants a durable action on Resource \"*\": %s", id, canonical(st))
			}
		}
	})
}

// grantsDurableOnAnyResource reports whether an Allow statement covers a
// lambda durable action (explicitly or through a wildcard action) on "*".
func grantsDurableOnAnyResource(st map[string]interface{}) bool {
	if st["Effect"] != "Allow" {
		return false
	}
	anyResource := false
	for _, r := range strs(st["Resource"]) {
		anyResource = anyResource || r == "*"
	}
	if !anyResource {
		return false
	}
	for _, a := range strs(st["Action"]) {
		name, _ := a.(string)
		if name == "*" || name == "lambda:*" || (strings.HasPrefix(name, "lambda:") && strings.Contains(name, "Durable")) {
			return true
		}
	}
	return false
}

func TestAlias(t *testing.T) {
	eachStack(t, func(t *testing.T, tc stackCase, tpl template) {
		fnID, _ := tpl.only(t, "AWS::Lambda::Function")
		versionID, version := tpl.only(t, "AWS::Lambda::Version")
		_, alias := tpl.only(t, "AWS::Lambda::Alias")
		if got := props(version)["FunctionName"]; !reflect.DeepEqual(got, ref(fnID)) {
			t.Errorf("Version FunctionName = %s, want %s", canonical(got), canonical(ref(fnID)))
		}
		want := map[string]interface{}{
			"Name":            tc.want.alias,
			"FunctionName":    ref(fnID),
			"FunctionVersion": getAtt(versionID, "Version"),
		}
		if got := props(alias); !reflect.DeepEqual(got, want) {
			t.Errorf("Alias = %s, want %s", canonical(got), canonical(want))
		}
	})
}

func TestStatusRule(t *testing.T) {
	eachStack(t, func(t *testing.T, tc stackCase, tpl template) {
		fnID, _ := tpl.only(t, "AWS::Lambda::Function")
		topicID, _ := tpl.only(t, "AWS::SNS::Topic")
		queueID, _ := tpl.only(t, "AWS::SQS::Queue")
		_, rule := tpl.only(t, "AWS::Events::Rule")

		detail := map[string]interface{}{
			"functionArn": []interface{}{map[string]interface{}{"prefix": joinSuffix(getAtt(fnID, "Arn"), ":")}},
		}
		if tc.want.statuses != nil {
			detail["status"] = tc.want.statuses
		}
		wantPattern := map[string]interface{}{
			"source":      []interface{}{"aws.lambda"},
			"detail-type": []interface{}{"Durable Execution Status Change"},
			"detail":      detail,
		}
		if got := props(rule)["EventPattern"]; !reflect.DeepEqual(got, wantPattern) {
			t.Errorf("EventPattern = %s, want %s", canonical(got), canonical(wantPattern))
		}
		wantTargets := []interface{}{map[string]interface{}{
			"Id":               "Target0",
			"Arn":              ref(topicID),
			"DeadLetterConfig": map[string]interface{}{"Arn": getAtt(queueID, "Arn")},
			"RetryPolicy":      map[string]interface{}{"MaximumRetryAttempts": 20.0, "MaximumEventAgeInSeconds": 21600.0},
		}}
		if got := props(rule)["Targets"]; !reflect.DeepEqual(got, wantTargets) {
			t.Errorf("Targets = %s, want %s", canonical(got), canonical(wantTargets))
		}
		if got := props(rule)["State"]; got != "ENABLED" {
			t.Errorf("State = %v, want ENABLED", got)
		}
	})
}

// TestStatusDelivery checks that EventBridge may publish to the encrypted
// topic and write to the dead-letter queue, and that both refuse plain HTTP.
func TestStatusDelivery(t *testing.T) {
	s := synthesized(t)
	tpl := s.defTpl
	events := map[string]interface{}{"Service": "events.amazonaws.com"}
	noPanic(t, "topic encrypted with the rotated key", func() {
		tpl.HasResourceProperties(jsii.String("AWS::KMS::Key"), map[string]interface{}{
			"EnableKeyRotation": true,
			"KeyPolicy": map[string]interface{}{"Statement": assertions.Match_ArrayWith(&[]interface{}{
				assertions.Match_ObjectLike(&map[string]interface{}{"Effect": "Allow", "Principal": events,
					"Action": []interface{}{"kms:Decrypt", "kms:GenerateDataKey*"}}),
			})},
		})
		tpl.HasResourceProperties(jsii.String("AWS::SNS::Topic"), map[string]interface{}{
			"KmsMasterKeyId": assertions.Match_AnyValue(),
		})
	})
	noPanic(t, "topic policy", func() {
		tpl.HasResourceProperties(jsii.String("AWS::SNS::TopicPolicy"), map[string]interface{}{
			"PolicyDocument": map[string]interface{}{"Statement": assertions.Match_ArrayWith(&[]interface{}{
				assertions.Match_ObjectLike(&map[string]interface{}{"Effect": "Deny", "Action": "sns:Publish",
					"Condition": map[string]interface{}{"Bool": map[string]interface{}{"aws:SecureTransport": "false"}}}),
				assertions.Match_ObjectLike(&map[string]interface{}{"Effect": "Allow", "Principal": events, "Action": "sns:Publish"}),
			})},
		})
	})
	noPanic(t, "dead-letter queue", func() {
		tpl.HasResourceProperties(jsii.String("AWS::SQS::Queue"), map[string]interface{}{
			"SqsManagedSseEnabled":   true,
			"MessageRetentionPeriod": 14 * 24 * 3600,
		})
		tpl.HasResourceProperties(jsii.String("AWS::SQS::QueuePolicy"), map[string]interface{}{
			"PolicyDocument": map[string]interface{}{"Statement": assertions.Match_ArrayWith(&[]interface{}{
				assertions.Match_ObjectLike(&map[string]interface{}{"Effect": "Deny", "Action": "sqs:*",
					"Condition": map[string]interface{}{"Bool": map[string]interface{}{"aws:SecureTransport": "false"}}}),
				assertions.Match_ObjectLike(&map[string]interface{}{"Effect": "Allow", "Principal": events, "Action": "sqs:SendMessage"}),
			})},
		})
	})
}

func TestLogGroup(t *testing.T) {
	eachStack(t, func(t *testing.T, tc stackCase, tpl template) {
		_, lg := tpl.only(t, "AWS::Logs::LogGroup")
		if got := props(lg)["RetentionInDays"]; got != tc.want.logRetentionDays {
			t.Errorf("RetentionInDays = %v, want %v", got, tc.want.logRetentionDays)
		}
	})
}

func TestOutputs(t *testing.T) {
	s := synthesized(t)
	tpl := s.defJSON
	fnID, _ := tpl.only(t, "AWS::Lambda::Function")
	aliasID, _ := tpl.only(t, "AWS::Lambda::Alias")
	topicID, _ := tpl.only(t, "AWS::SNS::Topic")
	want := map[string]interface{}{
		OutputFunctionName:   ref(fnID),
		OutputAliasArn:       ref(aliasID),
		OutputStatusTopicArn: ref(topicID),
	}
	outputs, _ := tpl["Outputs"].(map[string]interface{})
	got := map[string]interface{}{}
	for name, o := range outputs {
		got[name] = o.(map[string]interface{})["Value"]
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("outputs = %s, want %s", canonical(got), canonical(want))
	}
}

func TestGrants(t *testing.T) {
	s := synthesized(t)
	tpl := s.customJSON
	fnID, _ := tpl.only(t, "AWS::Lambda::Function")
	aliasID, _ := tpl.only(t, "AWS::Lambda::Alias")
	consumerID := logicalID(s.consumer)

	var got []map[string]interface{}
	for id, p := range tpl.resources("AWS::IAM::Policy") {
		for _, r := range strs(props(p)["Roles"]) {
			if reflect.DeepEqual(r, ref(consumerID)) {
				got = append(got, tpl.statements()[id]...)
			}
		}
	}
	fnArn := getAtt(fnID, "Arn")
	executions := joinSuffix(fnArn, ":*")
	want := []map[string]interface{}{
		{"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": ref(aliasID)},
		{"Effect": "Allow", "Action": []interface{}{
			"lambda:SendDurableExecutionCallbackFailure",
			"lambda:SendDurableExecutionCallbackHeartbeat",
			"lambda:SendDurableExecutionCallbackSuccess",
		}, "Resource": executions},
		{"Effect": "Allow", "Action": []interface{}{
			"lambda:GetDurableExecution",
			"lambda:GetDurableExecutionHistory",
			"lambda:ListDurableExecutionsByFunction",
		}, "Resource": []interface{}{fnArn, executions}},
	}
	sortStatements(got)
	sortStatements(want)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("consumer statements =\n%s\nwant\n%s", canonical(got), canonical(want))
	}
}

// sortStatements orders statements and their action lists canonically.
func sortStatements(sts []map[string]interface{}) {
	for _, st := range sts {
		if l, ok := st["Action"].([]interface{}); ok {
			sort.Slice(l, func(i, j int) bool { return l[i].(string) < l[j].(string) })
		}
	}
	sort.Slice(sts, func(i, j int) bool { return canonical(sts[i]) < canonical(sts[j]) })
}

// TestTracing checks the Tracing prop: active tracing on the function and
// exactly the two X-Ray actions on the function role when it is set (the
// Custom stack), neither when it is not (Default).
func TestTracing(t *testing.T) {
	eachStack(t, func(t *testing.T, tc stackCase, tpl template) {
		_, fn := tpl.only(t, "AWS::Lambda::Function")
		roleID, _ := tpl.functionRole(t)
		tracing := tc.name == "Custom"
		var want interface{}
		if tracing {
			want = map[string]interface{}{"Mode": "Active"}
		}
		if got := props(fn)["TracingConfig"]; !reflect.DeepEqual(got, want) {
			t.Errorf("Function TracingConfig = %s, want %s", canonical(got), canonical(want))
		}
		var xray []map[string]interface{}
		for id, p := range tpl.resources("AWS::IAM::Policy") {
			onRole := false
			for _, r := range strs(props(p)["Roles"]) {
				onRole = onRole || reflect.DeepEqual(r, ref(roleID))
			}
			for _, st := range tpl.statements()[id] {
				for _, a := range strs(st["Action"]) {
					if strings.HasPrefix(a.(string), "xray:") {
						if !onRole {
							t.Errorf("%s grants X-Ray actions to another role: %s", id, canonical(st))
						}
						xray = append(xray, st)
						break
					}
				}
			}
		}
		wantXray := []map[string]interface{}{{
			"Effect":   "Allow",
			"Action":   []interface{}{"xray:PutTelemetryRecords", "xray:PutTraceSegments"},
			"Resource": "*",
		}}
		if !tracing {
			wantXray = nil
		}
		if !reflect.DeepEqual(xray, wantXray) {
			t.Errorf("X-Ray statements = %s, want %s", canonical(xray), canonical(wantXray))
		}
	})
}
