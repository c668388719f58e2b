using Aspire.Deployer.Engine;
using Aspire.Deployer.Resources;

namespace Aspire.Deployer.Tests.Resources;

/// <summary>Short names for the registry's kinds in test assertions.</summary>
internal static class Kind
{
    public static ResourceKind ServiceLinkedRole => ServiceLinkedRoleKind.Instance;

    public static ResourceKind EcrRepository => EcrRepositoryKind.Instance;

    public static ResourceKind LogGroup => LogGroupKind.Instance;

    public static ResourceKind Secret => SecretKind.Instance;

    public static ResourceKind IamRole => IamRoleKind.Instance;

    public static ResourceKind SecurityGroup => SecurityGroupKind.Instance;

    public static ResourceKind LoadBalancer => LoadBalancerKind.Instance;

    public static ResourceKind TargetGroup => TargetGroupKind.Instance;

    public static ResourceKind Listener => ListenerKind.Instance;

    public static ResourceKind Namespace => CloudMapNamespaceKind.Instance;

    public static ResourceKind Certificate => CertificateKind.Instance;

    public static ResourceKind DnsRecord => DnsRecordKind.Instance;

    public static ResourceKind FrontDoorListener => FrontDoorListenerKind.Instance;

    public static ResourceKind ListenerRule => ListenerRuleKind.Instance;

    public static ResourceKind Cluster => ClusterKind.Instance;

    public static ResourceKind TaskDefinition => TaskDefinitionKind.Instance;

    public static ResourceKind EcsService => EcsServiceKind.Instance;

    public static ResourceKind AutoScaling => AutoScalingKind.Instance;
}
