package stacks

import (
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsefs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// FileSystemPathEnv is the environment variable through which the
// function learns where its file system is mounted, for
// durable.NewFileSystemSerdes(os.Getenv(stacks.FileSystemPathEnv)).
const FileSystemPathEnv = "DURABLE_FILESYSTEM_PATH"

// DefaultFileSystemMountPath is where FileSystemMount mounts the access
// point unless MountPath says otherwise.
const DefaultFileSystemMountPath = "/mnt/durable"

// FileSystemMount mounts an Amazon EFS access point on the function, for
// payloads too large for a checkpoint (durable.NewFileSystemSerdes). Every
// invocation of every execution environment sees the same files, which is
// what a replay needs; /tmp is not shared.
//
// The function is placed in Vpc, on VpcSubnets, so it reaches the file
// system's mount targets; the construct grants the execution role
// elasticfilesystem:ClientMount and ClientWrite on the file system (for
// this access point only), the network-interface permissions a function
// in a VPC needs (NetworkInterfaceActions),
// and lets the function's security group reach the file system's on the
// NFS port. In the VPC, the function still calls the Lambda API to
// checkpoint: the subnets need a route to it (a NAT gateway, or an
// interface VPC endpoint for Lambda).
type FileSystemMount struct {
	// AccessPoint is the EFS access point to mount. Required.
	AccessPoint awsefs.IAccessPoint
	// Vpc is the VPC of the file system's mount targets. Required.
	Vpc awsec2.IVpc
	// VpcSubnets selects the function's subnets.
	// Default: the VPC's private subnets with egress.
	VpcSubnets *awsec2.SubnetSelection
	// SecurityGroups are the function's security groups.
	// Default: one new security group.
	SecurityGroups []awsec2.ISecurityGroup
	// MountPath is where the access point is mounted: /mnt/ followed by
	// letters, digits, '-', '_' or '.'. Default: DefaultFileSystemMountPath.
	MountPath string
}

// mountPath validates m and returns the mount path.
func (m *FileSystemMount) mountPath() (string, error) {
	if m.AccessPoint == nil || m.Vpc == nil {
		return "", &PropError{Props: "DurableFunctionProps", Prop: "FileSystem", Value: "a FileSystemMount without AccessPoint or Vpc", Allowed: "both AccessPoint and Vpc set"}
	}
	path := orDefault(m.MountPath, DefaultFileSystemMountPath)
	name, ok := strings.CutPrefix(path, "/mnt/")
	if !ok || name == "" || strings.Trim(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") != "" {
		return "", &PropError{Props: "DurableFunctionProps", Prop: "FileSystem.MountPath", Value: fmt.Sprintf("%q", path), Allowed: "/mnt/ followed by letters, digits, '-', '_' or '.'"}
	}
	return path, nil
}

// apply mounts the access point on the function's properties and sets
// FileSystemPathEnv in env.
func (m *FileSystemMount) apply(fn *awslambda.FunctionProps, env map[string]*string, path string) {
	fn.Filesystem = awslambda.FileSystem_FromEfsAccessPoint(m.AccessPoint, jsii.String(path))
	fn.Vpc = m.Vpc
	fn.VpcSubnets = m.VpcSubnets
	if fn.VpcSubnets == nil {
		fn.VpcSubnets = &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_WITH_EGRESS}
	}
	if len(m.SecurityGroups) > 0 {
		fn.SecurityGroups = &m.SecurityGroups
	}
	env[FileSystemPathEnv] = jsii.String(path)
}

// fileSystem returns the FileSystem prop of p, which may be nil.
func (p *DurableFunctionProps) fileSystem() *FileSystemMount {
	if p == nil {
		return nil
	}
	return p.FileSystem
}

// NetworkInterfaceActions are the EC2 actions Lambda needs, on the
// execution role, to attach a function to a VPC. They support no
// resource-level permissions.
var NetworkInterfaceActions = []string{
	"ec2:CreateNetworkInterface",
	"ec2:DescribeNetworkInterfaces",
	"ec2:DeleteNetworkInterface",
	"ec2:AssignPrivateIpAddresses",
	"ec2:UnassignPrivateIpAddresses",
}

// grant gives the execution role what a function in a VPC needs (the
// CDK's file-system integration grants the EFS actions itself) and records
// for cdk-nag why those statements name no resource.
func (m *FileSystemMount) grant(d *DurableFunction) {
	d.Role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings(NetworkInterfaceActions...),
		Resources: jsii.Strings("*"),
	}))
	cdknag.NagSuppressions_AddResourceSuppressions(d.Role, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-IAM5"),
		Reason: jsii.String("A function in a VPC manages its network interfaces with the ec2 actions of " +
			"NetworkInterfaceActions, which support no resource-level permissions; and the CDK grants " +
			"elasticfilesystem:ClientMount on * with a condition on elasticfilesystem:AccessPointArn that limits it to the mounted access point."),
		AppliesTo: &[]interface{}{"Resource::*"},
	}}, jsii.Bool(true))
}
