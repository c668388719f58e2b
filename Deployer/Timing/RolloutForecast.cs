using System.Globalization;
using System.Text.Json.Serialization;

namespace Aspire.Deployer.Timing;

/// <summary>How a service's tasks are replaced by a deploy.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<RolloutKind>))]
public enum RolloutKind
{
    /// <summary>Nothing starts new tasks (or only if the image changed: see <see cref="ServiceForecast.IfImageChanges"/>).</summary>
    None,

    /// <summary>The service is created: its first tasks start (and, when it is new too, the load balancer is provisioned).</summary>
    FirstDeploy,

    /// <summary>A new deployment replaces every task: new ones start and become healthy, then the old ones drain and stop.</summary>
    RollingUpdate,
}

/// <summary>One step of a predicted rollout.</summary>
/// <param name="What">What happens.</param>
/// <param name="Seconds">How long it takes (0 when it overlaps an earlier step).</param>
/// <param name="Basis">Where the number comes from: a setting of this deploy, a measurement, AWS's documented behaviour, or an estimate.</param>
public sealed record TimelineStep(string What, double Seconds, string Basis);

/// <summary>The predicted rollout of one service.</summary>
/// <param name="Resource">The Aspire resource.</param>
/// <param name="Kind">How its tasks are replaced.</param>
/// <param name="Steps">The steps, in order (empty when <paramref name="Kind"/> is <see cref="RolloutKind.None"/>).</param>
/// <param name="IfImageChanges">For a plan made before the image step: the steps of the rolling update a changed image would start.</param>
public sealed record ServiceForecast(string Resource, RolloutKind Kind, IReadOnlyList<TimelineStep> Steps, IReadOnlyList<TimelineStep>? IfImageChanges = null)
{
    /// <summary>The seconds from the service's change to its rollout seen COMPLETED.</summary>
    public double Seconds => Steps.Sum(s => s.Seconds);
}

/// <summary>
/// The predicted time of a deploy's rollout: applying the plan's changes, then every service's rollout (they run at
/// once, so the longest one counts), from this deploy's own settings (health-check interval and threshold,
/// deregistration delay, the smoke test's time to healthy) and AWS's documented behaviour; where AWS documents no
/// number (how long Fargate takes to start a task, an ALB to leave <c>provisioning</c>) the estimate says so. The
/// deploy summary carries the measured time beside it.
/// </summary>
/// <param name="ApplySeconds">Making the plan's changes (AWS API calls).</param>
/// <param name="Services">Each service's rollout.</param>
/// <param name="IamSettleSeconds">The wait for IAM after the plan creates or changes a role (<c>Aws:IamSettleSeconds</c>), before ECS uses it.</param>
public sealed record RolloutForecast(double ApplySeconds, IReadOnlyList<ServiceForecast> Services, double IamSettleSeconds = 0)
{
    /// <summary>The predicted seconds from the first change to every rollout seen COMPLETED and healthy.</summary>
    public double TotalSeconds => ApplySeconds + IamSettleSeconds + (Services.Count == 0 ? 0 : Services.Max(s => s.Seconds));

    /// <summary>True when the deploy starts new tasks.</summary>
    [JsonIgnore]
    public bool RollsOut => Services.Any(s => s.Kind != RolloutKind.None);

    /// <summary>The forecast as lines for the plan.</summary>
    public IReadOnlyList<string> ToLines()
    {
        var lines = new List<string>();
        if (!RollsOut)
        {
            lines.Add("Predicted rollout: none (no task is replaced).");
            foreach (var service in Services.Where(s => s.IfImageChanges is not null))
            {
                lines.Add(string.Create(CultureInfo.InvariantCulture,
                    $"  {service.Resource}: if the image step pushes a new image, a rolling update of about {service.IfImageChanges!.Sum(s => s.Seconds):0} s:"));
                lines.AddRange(service.IfImageChanges!.Select(Line));
            }

            return lines;
        }

        var each = string.Join(", ", Services.Where(s => s.Kind != RolloutKind.None)
            .Select(s => string.Create(CultureInfo.InvariantCulture, $"{s.Resource}: {Describe(s.Kind)} {s.Seconds:0} s")));
        var iam = IamSettleSeconds > 0 ? string.Create(CultureInfo.InvariantCulture, $", {IamSettleSeconds:0} s for IAM to settle") : "";
        lines.Add(string.Create(CultureInfo.InvariantCulture, $"Predicted rollout: about {TotalSeconds:0} s ({ApplySeconds:0} s of AWS calls{iam}, then {each}):"));
        foreach (var service in Services.Where(s => s.Kind != RolloutKind.None))
        {
            lines.Add($"  {service.Resource} ({Describe(service.Kind)}):");
            lines.AddRange(service.Steps.Select(Line));
        }

        return lines;
    }

    private static string Line(TimelineStep step) =>
        string.Create(CultureInfo.InvariantCulture, $"    {step.Seconds,4:0} s  {step.What} ({step.Basis})");

    private static string Describe(RolloutKind kind) => kind == RolloutKind.FirstDeploy ? "first deploy" : "rolling update";
}
