using Aspire.Deployer.Engine;

namespace Aspire.Deployer.Resources;

/// <summary>
/// Every resource kind the Deployer makes, in the order they are created: each depends only on kinds before it.
/// Destroy walks it in reverse. Adding a kind is one file in this folder and one line here.
/// </summary>
public static class Registry
{
    /// <summary>The kinds, dependencies first.</summary>
    public static IReadOnlyList<ResourceKind> Kinds { get; } =
    [
        ServiceLinkedRoleKind.Instance,
        EcrRepositoryKind.Instance,
        LogGroupKind.Instance,
        SecretKind.Instance,
        IamRoleKind.Instance,
        SecurityGroupKind.Instance,
        LoadBalancerKind.Instance,
        TargetGroupKind.Instance,
        CertificateKind.Instance,
        DnsRecordKind.Instance,
        FrontDoorListenerKind.Instance,
        ListenerKind.Instance,
        ListenerRuleKind.Instance,
        CloudMapNamespaceKind.Instance,
        ClusterKind.Instance,
        TaskDefinitionKind.Instance,
        EcsServiceKind.Instance,
        AutoScalingKind.Instance,
    ];
}
