using Aspire.Deployer.Engine;
using Aspire.Deployer.Model;
using Aspire.Deployer.Network;
using Aspire.Deployer.Resources;
using Aspire.Deployer.Settings;
using Aspire.ServiceDefaults;

namespace Aspire.Deployer.Tests.Resources;

/// <summary>Sample deployments, networks and states for the plan tests.</summary>
internal static class PlanSamples
{
    public const string Region = "us-east-1";

    public static ResolvedNetwork Network { get; } = new("vpc-1", true,
    [
        new NetworkSubnet("subnet-a", "us-east-1a", true),
        new NetworkSubnet("subnet-b", "us-east-1b", true),
    ]);

    /// <summary>The target group name of the sample service "web" of app "shop" on <paramref name="containerPort"/> in vpc-1.</summary>
    public static string TargetGroupName(int containerPort = 8080) => TargetGroupKind.NameOf(Deployment(containerPort: containerPort).Services[0], Network.VpcId);

    /// <summary>A unique app name usable in AWS names (lowercase, starts with a letter, short).</summary>
    public static string UniqueApp() => "p" + Guid.NewGuid().ToString("N")[..8];

    /// <summary>One service, "web": container port 8080, public port 80, health on the contract's path.</summary>
    public static DeploymentDescription Deployment(string app = "shop", Action<EcsServiceOptions>? configure = null, int containerPort = 8080, int listenerPort = 80)
    {
        var options = new EcsServiceOptions();
        configure?.Invoke(options);
        var service = new ServiceDescription(
            new AwsNames(app, "test", "web"),
            new ImageSource("/src/web", "/src/web/Dockerfile", new Dictionary<string, string>()),
            containerPort,
            listenerPort,
            ServiceContract.HealthPath,
            new Dictionary<string, string> { [ServiceContract.PortVariable] = containerPort.ToString(System.Globalization.CultureInfo.InvariantCulture), ["NODE_ENV"] = "production" },
            new FargateSize(options.Cpu, options.MemoryMiB),
            options);
        return new DeploymentDescription(app, "test", [service]);
    }

    public static DesiredState Desired(DeploymentDescription? deployment = null) =>
        Build(deployment ?? Deployment(), Network, new AwsTarget(Region));

    /// <summary>The desired state of a deployment with every kind of the registry.</summary>
    public static DesiredState Build(DeploymentDescription deployment, ResolvedNetwork network, AwsTarget target, IReadOnlyDictionary<string, string>? images = null) =>
        DesiredState.Build(Registry.Kinds, new DesiredContext(deployment, network, target, images));

    /// <summary>A current state in which everything of <paramref name="desired"/> exists exactly as wanted.</summary>
    public static List<ObservedResource> Matching(DesiredState desired) =>
        desired.Resources.Select(spec => new ObservedResource(spec, $"id-{spec.Kind}-{spec.Name}")).ToList();

    /// <summary>Replaces the observed resource of a kind (the first, or the one with <paramref name="name"/>).</summary>
    public static List<ObservedResource> With<T>(this List<ObservedResource> current, Func<T, ResourceSpec> change, string? name = null)
        where T : ResourceSpec
    {
        var index = current.FindIndex(r => r.Spec is T && (name is null || r.Spec.Name == name));
        Assert.True(index >= 0, $"no {typeof(T).Name} {name} in the sample state");
        current[index] = current[index] with { Spec = change((T)current[index].Spec) };
        return current;
    }

    public static List<ObservedResource> Without(this List<ObservedResource> current, ResourceKind kind)
    {
        current.RemoveAll(r => r.Spec.Kind == kind);
        return current;
    }
}
