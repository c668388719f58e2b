using Aspire.Deployer.Aws;
using Aspire.Deployer.Engine;
using Aspire.Deployer.Network;
using Aspire.Deployer.Resources;
using Aspire.Deployer.Settings;
using Aspire.Deployer.Verbs;

namespace Aspire.Deployer.Tests.Resources;

/// <summary>
/// Test-only: makes every resource of a desired state exactly as specified, through the product's apply layer
/// (<see cref="Applier"/>) with a plan of all creates, so a test can check that reading it back gives the same
/// specs (a plan of all "unchanged"). No waiting.
/// </summary>
internal static class DirectApply
{
    public static async Task CreateAllAsync(AwsSession session, DesiredState desired, string image)
    {
        var resources = desired.Resources
            .Select(r => r is TaskDefinitionSpec { Container.Image: null } td ? td with { Container = td.Container with { Image = image } } : r)
            .ToList();
        var withImage = desired with { Resources = resources };
        var plan = new DeploymentPlan(desired.Deployment.App, desired.Deployment.Environment, desired.Target.Region, null, desired.Network,
            Planner.Compute(withImage, CurrentState.Empty))
        {
            Desired = withImage,
            Current = CurrentState.Empty,
        };
        await Applier.ApplyAsync(session, plan);
    }
}
