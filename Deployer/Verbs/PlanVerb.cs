using Aspire.Deployer.Aws;
using Aspire.Deployer.Engine;
using Aspire.Deployer.Model;
using Aspire.Deployer.Network;
using Aspire.Deployer.Resources;
using Aspire.Deployer.Settings;

namespace Aspire.Deployer.Verbs;

/// <summary>
/// The plan verb: what a deploy would create, update or replace, computed from the deployment and what exists,
/// without changing anything. Deploy runs the same steps, then applies the result.
/// </summary>
public static class PlanVerb
{
    /// <summary>Resolves the network, builds the desired state, reads the current state and plans.</summary>
    /// <param name="session">The AWS session (read-only calls are made).</param>
    /// <param name="deployment">The validated deployment.</param>
    /// <param name="network">Where to run.</param>
    /// <param name="images">The image reference per Aspire resource, when the image step has run; else null.</param>
    /// <param name="cancellationToken">Cancels the calls.</param>
    /// <returns>The plan, carrying the desired and current state.</returns>
    /// <exception cref="DeploymentValidationException">The network or the account cannot take the deployment (its domain's zone, hosts or certificate).</exception>
    /// <exception cref="AwsApiException">A read failed.</exception>
    public static async Task<DeploymentPlan> RunAsync(
        AwsSession session,
        DeploymentDescription deployment,
        NetworkSettings network,
        IReadOnlyDictionary<string, string>? images = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(deployment);
        ArgumentNullException.ThrowIfNull(network);

        DeploymentValidator.EnsureValid(deployment);
        deployment = await FrontDoorResolver.ResolveAsync(session, deployment, cancellationToken).ConfigureAwait(false);
        var region = session.Region.SystemName;
        var identity = await session.Sts.GetCallerIdentityAsync(cancellationToken).ConfigureAwait(false);
        var resolved = await NetworkResolver.ResolveAsync(session.Ec2, network, region, cancellationToken).ConfigureAwait(false);
        // A value Aspire generates (a Redis password) is the one an earlier deploy stored, so it stays the same.
        deployment = await SecretKind.KeepGeneratedAsync(session, deployment, cancellationToken).ConfigureAwait(false);
        var desired = DesiredState.Build(Registry.Kinds, new DesiredContext(deployment, resolved, new AwsTarget(region, identity.Account), images));
        var current = await Planner.ReadAsync(session, desired, cancellationToken).ConfigureAwait(false);
        return new DeploymentPlan(deployment.App, deployment.Environment, region, identity.Account, resolved, Planner.Compute(desired, current))
        {
            Desired = desired,
            Current = current,
            NotDeployed = deployment.NotDeployed,
            Warnings = deployment.Warnings,
        };
    }
}
