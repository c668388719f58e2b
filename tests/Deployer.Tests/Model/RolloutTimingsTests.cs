using Aspire.Deployer.Engine;
using Aspire.Deployer.Model;
using Aspire.Deployer.Resources;
using Aspire.Deployer.Tests.Resources;
using Aspire.ServiceDefaults;

namespace Aspire.Deployer.Tests.Model;

/// <summary>
/// The settings that bound a rollout come from what is measured and declared: the grace period from the smoke
/// test's time to healthy (scaled to the task's CPU share), the deregistration delay from the app's drain bound; an
/// image the run did not measure keeps the grace period the service has.
/// </summary>
public sealed class RolloutTimingsTests
{
    [Theory]
    [InlineData(0.1, 256, 10)]    // 0.4 s on Fargate: twice that plus one interval, at least two intervals
    [InlineData(2.0, 256, 21)]    // 8 s on a quarter vCPU: 16 + 5
    [InlineData(2.0, 1024, 10)]   // 2 s on a whole vCPU: 4 + 5 = 9, at least two intervals
    [InlineData(60, 256, 300)]    // capped: a start that slow is better set explicitly
    public void GracePeriod_FromTheMeasuredStart(double measuredSeconds, int cpu, int expected) =>
        Assert.Equal(expected, RolloutTimings.GracePeriodSeconds(TimeSpan.FromSeconds(measuredSeconds), cpu));

    [Fact]
    public void DeregistrationDelay_IsTheAppsDrainBound_OrTheContractsWhenItDeclaresNone()
    {
        var service = PlanSamples.Deployment().Services[0];
        var declared = service with { Environment = new Dictionary<string, string>(service.Environment) { [ServiceContract.GracefulShutdownVariable] = "4500" } };

        Assert.Equal((int)ServiceContract.GracefulShutdownTimeout.TotalSeconds, RolloutTimings.DeregistrationDelaySeconds(service));
        Assert.Equal(5, RolloutTimings.DeregistrationDelaySeconds(declared));
        var tg = Assert.Single(PlanSamples.Desired(new DeploymentDescription("shop", "test", [declared])).OfType<TargetGroupSpec>());
        Assert.Equal("5", tg.Attributes[TargetGroupKind.DeregistrationDelayAttribute]);
    }

    [Theory]
    [InlineData("soon", "not a whole number of milliseconds")]
    [InlineData("30000", "not below ECS's stop timeout of 30 s")]
    public void Validate_ADrainBoundThatCannotWork_IsRefusedBeforeAnyCall(string value, string problem)
    {
        var service = PlanSamples.Deployment().Services[0];
        var bad = service with { Environment = new Dictionary<string, string>(service.Environment) { [ServiceContract.GracefulShutdownVariable] = value } };

        var error = Assert.Throws<DeploymentValidationException>(() => DeploymentValidator.EnsureValid(new DeploymentDescription("shop", "test", [bad])));

        Assert.Contains(error.Problems, p => p.Contains(problem, StringComparison.Ordinal));
    }

    [Fact]
    public void MeasuredStartup_SetsTheGracePeriodUnlessOneIsSet_AndThePlanComparesItOnlyThen()
    {
        var deployment = PlanSamples.Deployment();
        var measured = RolloutTimings.WithMeasuredStartup(deployment, new Dictionary<string, TimeSpan> { ["web"] = TimeSpan.FromSeconds(2) });
        var explicitGrace = RolloutTimings.WithMeasuredStartup(PlanSamples.Deployment(configure: o => o.HealthCheckGracePeriodSeconds = 45),
            new Dictionary<string, TimeSpan> { ["web"] = TimeSpan.FromSeconds(2) });

        Assert.Equal(21, measured.Services[0].Options.HealthCheckGracePeriodSeconds);
        Assert.Equal(TimeSpan.FromSeconds(2), measured.Services[0].MeasuredStartup);
        Assert.Null(deployment.Services[0].Options.HealthCheckGracePeriodSeconds);
        Assert.Equal(45, explicitGrace.Services[0].Options.HealthCheckGracePeriodSeconds);

        // A running service with a 60 s grace period: the measured value is planned, an unmeasured image plans nothing.
        var withMeasurement = Plan(measured, current => current.With<EcsServiceSpec>(e => e with { HealthCheckGracePeriodSeconds = 60 }));
        var withoutMeasurement = Plan(deployment, current => current.With<EcsServiceSpec>(e => e with { HealthCheckGracePeriodSeconds = 60 }));
        Assert.Contains("health check grace period 60 → 21", withMeasurement.Changes.Select(c => c.ToString()));
        Assert.Equal(ChangeAction.Unchanged, withoutMeasurement.Action);
    }

    private static PlannedChange Plan(DeploymentDescription deployment, Func<List<ObservedResource>, List<ObservedResource>> current)
    {
        var desired = PlanSamples.Desired(deployment);
        var state = new CurrentState(current(PlanSamples.Matching(PlanSamples.Desired(deployment))));
        return Planner.Compute(desired, state).Single(c => c.Kind == EcsServiceKind.Instance);
    }
}
