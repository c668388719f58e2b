using Aspire.Deployer.Engine;
using Aspire.Deployer.Model;
using Aspire.Deployer.Resources;
using Aspire.Deployer.Tests.Resources;
using Aspire.Deployer.Timing;
using Aspire.ServiceDefaults;

namespace Aspire.Deployer.Tests.Timing;

/// <summary>
/// The plan's predicted rollout adds up this deploy's own settings (health-check interval and threshold,
/// deregistration delay, the smoke test's time to healthy) and the stated estimates, step by step: a first deploy
/// waits for the new load balancer, an image-only update drains the old tasks, and nothing predicts no rollout.
/// </summary>
public sealed class RolloutForecastTests
{
    private static readonly WaitOptions Wait = new() { PollInterval = TimeSpan.FromSeconds(10), FastPollInterval = TimeSpan.FromSeconds(2) };
    private const string Image1 = "123456789012.dkr.ecr.us-east-1.amazonaws.com/shop/test/web@sha256:1111";
    private const string Image2 = "123456789012.dkr.ecr.us-east-1.amazonaws.com/shop/test/web@sha256:2222";

    private static DeploymentPlan Plan(DeploymentDescription deployment, string? image, CurrentState current)
    {
        var desired = PlanSamples.Build(deployment, PlanSamples.Network, new AwsTarget(PlanSamples.Region), image is null ? null : new Dictionary<string, string> { ["web"] = image });
        return new DeploymentPlan(deployment.App, deployment.Environment, PlanSamples.Region, null, PlanSamples.Network, Planner.Compute(desired, current)) { Desired = desired, Current = current };
    }

    private static CurrentState Running(DeploymentDescription deployment, string image) =>
        new(PlanSamples.Matching(PlanSamples.Build(deployment, PlanSamples.Network, new AwsTarget(PlanSamples.Region), new Dictionary<string, string> { ["web"] = image })));

    // The last step: ECS's COMPLETED (estimate) plus half the fast poll.
    private static double Completed => RolloutForecaster.CompletedSeconds + Wait.FastPollInterval.TotalSeconds / 2;

    [Fact]
    public void Predict_FirstDeploy_IsTheLoadBalancersProvisioningThenTheHealthChecks()
    {
        var deployment = PlanSamples.Deployment();
        var plan = Plan(deployment, Image1, CurrentState.Empty);

        var forecast = RolloutForecaster.Predict(plan, Wait)!;

        var web = Assert.Single(forecast.Services);
        Assert.Equal(RolloutKind.FirstDeploy, web.Kind);
        var check = ServiceContract.HealthCheck.IntervalSeconds * (1 + ServiceContract.HealthCheck.HealthyThreshold);
        // The task's start overlaps the provisioning: the longer of the two counts.
        Assert.Equal(RolloutForecaster.LoadBalancerProvisioningSeconds + check + Completed, web.Seconds, precision: 6);
        Assert.Equal(plan.Changes.Count(c => c.IsMutation) * RolloutForecaster.SecondsPerChange, forecast.ApplySeconds);
        // The new roles: IAM shows them, then the deploy lets them settle (Aws:IamSettleSeconds) before ECS uses them.
        Assert.Equal(RolloutForecaster.IamVisibleSeconds + new PropagationOptions().IamSettle.TotalSeconds, forecast.IamSettleSeconds);
        Assert.Equal(forecast.ApplySeconds + forecast.IamSettleSeconds + web.Seconds, forecast.TotalSeconds, precision: 6);
        Assert.Equal(RolloutForecaster.IamVisibleSeconds + 3, RolloutForecaster.Predict(plan, Wait, TimeSpan.FromSeconds(3))!.IamSettleSeconds);
        Assert.Contains(forecast.ToLines(), l => l.Contains("the new load balancer becomes active", StringComparison.Ordinal));
    }

    [Fact]
    public void Predict_ImageOnlyUpdate_IsStartHealthChecksAndTheDrainOfTheAppsBound()
    {
        var deployment = RolloutTimings.WithMeasuredStartup(PlanSamples.Deployment(), new Dictionary<string, TimeSpan> { ["web"] = TimeSpan.FromSeconds(0.5) });
        var plan = Plan(deployment, Image2, Running(deployment, Image1));

        var forecast = RolloutForecaster.Predict(plan, Wait)!;

        var web = Assert.Single(forecast.Services);
        Assert.Equal(RolloutKind.RollingUpdate, web.Kind);
        Assert.Equal(2 * RolloutForecaster.SecondsPerChange, forecast.ApplySeconds); // a new revision, the service update
        var expected = RolloutForecaster.TaskLaunchSeconds + 2.0 /* 0.5 s measured × 4 for 256 CPU units */
            + ServiceContract.HealthCheck.IntervalSeconds * (1 + ServiceContract.HealthCheck.HealthyThreshold)
            + ServiceContract.GracefulShutdownTimeout.TotalSeconds + RolloutForecaster.OldTaskStopSeconds + Completed;
        Assert.Equal(expected, web.Seconds, precision: 6);
        Assert.Equal(forecast.ApplySeconds + expected, forecast.TotalSeconds, precision: 6);
        Assert.Contains(forecast.ToLines(), l => l.Contains("smoke test 0.5 s × 4 for 256 CPU units", StringComparison.Ordinal));
    }

    [Fact]
    public void Predict_AShorterDrainBound_ShortensTheRolloutByTheSameSeconds()
    {
        var deployment = PlanSamples.Deployment();
        var quick = deployment with { Services = [deployment.Services[0] with { Environment = new Dictionary<string, string>(deployment.Services[0].Environment) { [ServiceContract.GracefulShutdownVariable] = "3000" } }] };

        var normal = RolloutForecaster.Predict(Plan(deployment, Image2, Running(deployment, Image1)), Wait)!;
        var shorter = RolloutForecaster.Predict(Plan(quick, Image2, Running(quick, Image1)), Wait)!;

        Assert.Equal(ServiceContract.GracefulShutdownTimeout.TotalSeconds - 3, normal.TotalSeconds - shorter.TotalSeconds, precision: 6);
    }

    [Fact]
    public void Predict_NothingChanged_PredictsNoRollout_AndBeforeTheImageStepSaysWhatANewImageWouldTake()
    {
        var deployment = PlanSamples.Deployment();

        var unchanged = RolloutForecaster.Predict(Plan(deployment, Image1, Running(deployment, Image1)), Wait)!;
        var beforeImages = RolloutForecaster.Predict(Plan(deployment, image: null, Running(deployment, Image1)), Wait)!;

        Assert.False(unchanged.RollsOut);
        Assert.Equal(["Predicted rollout: none (no task is replaced)."], unchanged.ToLines());
        Assert.False(beforeImages.RollsOut);
        Assert.Contains(beforeImages.ToLines(), l => l.Contains("web: if the image step pushes a new image, a rolling update of about", StringComparison.Ordinal));
    }
}
