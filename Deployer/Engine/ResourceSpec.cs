using System.Globalization;

namespace Aspire.Deployer.Engine;

/// <summary>
/// What one AWS resource should look like (desired state) or does look like (current state, read back into the same
/// shape). References to other resources are by their deterministic names, never by ids or ARNs, so the desired
/// state can be computed without calling AWS and compared with the current one property by property. Each resource
/// kind declares its own spec record beside its module in <c>Resources/</c>.
/// </summary>
/// <param name="Name">The resource's name (for a listener: load balancer and port, for autoscaling: its resource id).</param>
/// <param name="Owner">The Aspire resource it is made for, or null when the app's services share it.</param>
/// <param name="Tags">Its tags (desired: the tags it must carry; current: the tags it carries).</param>
public abstract record ResourceSpec(string Name, string? Owner, IReadOnlyDictionary<string, string> Tags)
{
    /// <summary>The kind of resource: the module that knows how to read, compare, make and delete it.</summary>
    public abstract ResourceKind Kind { get; }

    /// <summary>The settings that matter, in one short line, for the plan's "create" lines.</summary>
    public abstract string Describe();

    /// <summary>Formats an integer the same on every machine.</summary>
    private protected static string Num(int value) => value.ToString(CultureInfo.InvariantCulture);
}

/// <summary>One resource as it exists in AWS, read back into the shape of its desired spec.</summary>
/// <param name="Spec">What it looks like (references resolved to names where they are the app's resources).</param>
/// <param name="Id">Its id or ARN (a security group id, a target group ARN, a task definition revision ARN, ...).</param>
/// <param name="Address">Where it is reached, when it has such a thing: a load balancer's DNS name, a repository's URI.</param>
/// <param name="Unreported">Properties AWS left out of its answer (seen with emulators): their values in <paramref name="Spec"/> are
/// the desired ones, so they are not compared, and the plan says so.</param>
public sealed record ObservedResource(ResourceSpec Spec, string Id, string? Address = null, IReadOnlyList<string>? Unreported = null);

/// <summary>One resource that belongs to the app and environment, as found by its tags for destroy.</summary>
/// <param name="Kind">What it is.</param>
/// <param name="Name">Its name (a task definition as <c>family:revision</c>, a listener as <c>load-balancer:port</c>).</param>
/// <param name="Id">Its ARN or id (what the delete call takes).</param>
/// <param name="Parent">What it lives in: a service's or scalable target's cluster, a listener's load balancer ARN.</param>
/// <param name="State">Its state where it matters (a service's ACTIVE or DRAINING).</param>
/// <param name="IsPerService">True for resources made for one service (they carry <c>aspire:resource</c>), false for shared ones.</param>
/// <param name="KeptBecause">Why destroy must leave it in place (a cluster holding services that are not the app's); null to remove it.</param>
public sealed record FoundResource(
    ResourceKind Kind,
    string Name,
    string Id,
    string? Parent = null,
    string? State = null,
    bool IsPerService = false,
    string? KeptBecause = null)
{
    /// <inheritdoc />
    public override string ToString() => $"{Kind.Label} {Name}";
}
