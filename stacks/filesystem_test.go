package stacks

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsefs"
	"github.com/aws/jsii-runtime-go"
)

// TestFileSystemMount synthesizes a DurableFunction with an EFS access
// point mounted (in a stack with the VPC and the file system, as an
// application would have them) and checks the mount, the network and
// IAM pieces and that cdk-nag reports nothing.
func TestFileSystemMount(t *testing.T) {
	app, _, err := newTestApp("filesystem")
	if err != nil {
		t.Fatal(err)
	}
	stack := awscdk.NewStack(app, jsii.String("WithFileSystem"), nil)
	vpc := awsec2.NewVpc(stack, jsii.String("Vpc"), &awsec2.VpcProps{MaxAzs: jsii.Number(2), NatGateways: jsii.Number(1),
		FlowLogs: &map[string]*awsec2.FlowLogOptions{"All": {}}})
	fsys := awsefs.NewFileSystem(stack, jsii.String("Payloads"), &awsefs.FileSystemProps{Vpc: vpc, Encrypted: jsii.Bool(true)})
	ap := fsys.AddAccessPoint(jsii.String("Durable"), &awsefs.AccessPointOptions{Path: jsii.String("/durable"),
		PosixUser: &awsefs.PosixUser{Uid: jsii.String("1001"), Gid: jsii.String("1001")},
		CreateAcl: &awsefs.Acl{OwnerUid: jsii.String("1001"), OwnerGid: jsii.String("1001"), Permissions: jsii.String("750")}})
	fn, err := NewDurableFunction(context.Background(), stack, "Fn", &DurableFunctionProps{
		FileSystem: &FileSystemMount{AccessPoint: ap, Vpc: vpc, MountPath: "/mnt/payloads"}})
	if err != nil {
		t.Fatal(err)
	}
	app.Synth(nil)
	tpl := assertions.Template_FromStack(stack, &assertions.TemplateParsingOptions{SkipCyclicalDependenciesCheck: jsii.Bool(true)})
	js, err := templateJSON(tpl)
	if err != nil {
		t.Fatal(err)
	}
	fnID := logicalID(fn.Function)
	fnProps := props(js.resources("AWS::Lambda::Function")[fnID])
	apArn := stack.Resolve(ap.AccessPointArn())
	configs, _ := fnProps["FileSystemConfigs"].([]interface{})
	if len(configs) != 1 || canonical(configs[0]) != canonical(map[string]interface{}{"Arn": apArn, "LocalMountPath": "/mnt/payloads"}) {
		t.Errorf("FileSystemConfigs = %s, want the access point at /mnt/payloads", canonical(configs))
	}
	env, _ := props(map[string]interface{}{"Properties": fnProps["Environment"]})["Variables"].(map[string]interface{})
	if env[FileSystemPathEnv] != "/mnt/payloads" {
		t.Errorf("environment %v, want %s=/mnt/payloads", env, FileSystemPathEnv)
	}
	vpcConfig, _ := fnProps["VpcConfig"].(map[string]interface{})
	if subnets, _ := vpcConfig["SubnetIds"].([]interface{}); len(subnets) != 2 || len(strs(vpcConfig["SecurityGroupIds"])) != 1 {
		t.Errorf("VpcConfig = %s, want the two private subnets and one security group", canonical(vpcConfig))
	}
	// The execution role: mount (for this access point), write, and the
	// network interfaces of a function in a VPC.
	defaultPolicy := logicalID(fn.Role.Node().FindChild(jsii.String("DefaultPolicy")))
	var mount, write, eni bool
	for policy, sts := range js.statements() {
		if policy != defaultPolicy {
			continue
		}
		for _, st := range sts {
			switch actions := canonical(st["Action"]); {
			case actions == `"elasticfilesystem:ClientMount"`:
				mount = canonical(st["Condition"]) == canonical(map[string]interface{}{"StringEquals": map[string]interface{}{"elasticfilesystem:AccessPointArn": apArn}})
			case actions == `"elasticfilesystem:ClientWrite"`:
				write = strings.Contains(canonical(st["Resource"]), `:file-system/",{"Ref":"`+logicalID(fsys)+`"}`)
			case actions == canonical(sortedStrings(NetworkInterfaceActions)):
				eni = st["Resource"] == "*"
			}
		}
	}
	if !mount || !write || !eni {
		t.Errorf("execution role: ClientMount on the access point %v, ClientWrite on the file system %v, network interfaces %v; statements %s",
			mount, write, eni, canonical(js.statements()))
	}
	var nfs bool
	for _, r := range js.resources("AWS::EC2::SecurityGroupIngress") {
		p := props(r)
		if p["FromPort"] == float64(2049) && p["ToPort"] == float64(2049) {
			nfs = true
		}
	}
	if !nfs {
		t.Error("no ingress rule opens the NFS port (2049) of the file system to the function")
	}
	annotations := assertions.Annotations_FromStack(stack)
	nag := assertions.Match_StringLikeRegexp(jsii.String("AwsSolutions-.*"))
	noPanic(t, "nag", func() {
		for _, m := range append(*annotations.FindError(jsii.String("*"), nag), *annotations.FindWarning(jsii.String("*"), nag)...) {
			t.Errorf("cdk-nag: %s %v", *m.Id, m.Entry.Data)
		}
	})
}

// sortedStrings returns a sorted copy of s, as the synthesized template
// lists a statement's actions.
func sortedStrings(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}
