using Aspire.Deployer.Aws;
using Aspire.Hosting.Pipelines;

namespace Aspire.Deployer.Hosting;

/// <summary>
/// The actions behind the environment's pipeline steps, one file each (<c>DeployerSteps.Plan.cs</c>, ...). Each runs
/// through <see cref="StepProgress.RunAsync"/> (its one failure path), takes the settings and the model from the
/// run (<see cref="DeployerRun"/>: bound and read once) and calls one verb.
/// </summary>
internal static partial class DeployerSteps
{
    /// <summary>An AWS session on the standard credential and region chains, <c>Aws:Region</c> overriding the region.</summary>
    private static Task<AwsSession> OpenSessionAsync(PipelineStepContext context, string? region) =>
        AwsSession.CreateAsync(new AwsSessionOptions { Region = region }, context.CancellationToken);
}
