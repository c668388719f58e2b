using Aspire.Deployer.Aws;
using Aspire.Deployer.Reporting;

namespace Aspire.Deployer.Engine;

/// <summary>What a kind's apply sees: the plan, the ids of what exists or was made so far, the session, progress.</summary>
public sealed class ApplyContext
{
    private readonly Dictionary<(ResourceKind Kind, string Name), (string Id, string? Address)> _ids = [];

    /// <summary>Creates the context, knowing the ids of everything the plan found.</summary>
    /// <param name="session">The AWS session.</param>
    /// <param name="plan">The plan being applied (with its desired and current state).</param>
    /// <param name="progress">Where progress goes; null for nowhere.</param>
    /// <param name="cancellationToken">Cancels the calls.</param>
    public ApplyContext(AwsSession session, DeploymentPlan plan, IDeployProgress? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(plan);
        Session = session;
        Plan = plan;
        Progress = progress;
        CancellationToken = cancellationToken;
        foreach (var observed in plan.Current?.Resources ?? [])
        {
            _ids[(observed.Spec.Kind, observed.Spec.Name)] = (observed.Id, observed.Address);
        }
    }

    /// <summary>The AWS session.</summary>
    public AwsSession Session { get; }

    /// <summary>The plan being applied.</summary>
    public DeploymentPlan Plan { get; }

    /// <summary>The desired state of the plan.</summary>
    public DesiredState Desired => Plan.Desired ?? throw new InvalidOperationException("The plan carries no desired state; make it with PlanVerb.");

    /// <summary>Where progress goes; null for nowhere.</summary>
    public IDeployProgress? Progress { get; }

    /// <summary>Cancels the calls.</summary>
    public CancellationToken CancellationToken { get; }

    /// <summary>The changes applied so far, in order (the last one may have failed half way).</summary>
    public List<PlannedChange> Applied { get; } = [];

    /// <summary>The changes carried out to the end, in order.</summary>
    public List<PlannedChange> Completed { get; } = [];

    /// <summary>How long IAM changes are given to propagate (see <see cref="Settings.PropagationOptions"/>).</summary>
    public Settings.PropagationOptions Propagation { get; init; } = new();

    /// <summary>Keys of one-time work already done in this run (a wait for IAM, for example).</summary>
    public HashSet<string> Done { get; } = new(StringComparer.Ordinal);

    /// <summary>What must wait until the services run the new revisions (revoking a rule the old tasks still use,
    /// for example); run by <see cref="Applier.CleanupAsync"/>, in order, before the planned deletions.</summary>
    public List<(string What, Func<Task> Action)> AfterRollout { get; } = [];

    /// <summary>Switches to make as soon as the new target group of a service has healthy targets (a listener moved
    /// to a replacement target group: the old tasks keep serving from the old one until then).</summary>
    public List<TargetSwitch> Switches { get; } = [];

    /// <summary>True when this run created the resource (it did not exist before).</summary>
    /// <param name="kind">Its kind.</param>
    /// <param name="name">Its name.</param>
    public bool CreatedInThisRun(ResourceKind kind, string name) =>
        Applied.Any(c => c.Kind == kind && c.Name == name && c.Action == ChangeAction.Create);

    /// <summary>The id of a resource that exists or was made in this run.</summary>
    /// <param name="kind">Its kind.</param>
    /// <param name="name">Its name.</param>
    /// <exception cref="InvalidOperationException">It was neither found nor made (a kind ran out of order).</exception>
    public string Id(ResourceKind kind, string name) =>
        TryId(kind, name) ?? throw new InvalidOperationException($"{kind.Label} {name} should exist by now but was neither found nor made.");

    /// <summary>The id of a resource, or null when it does not exist.</summary>
    /// <param name="kind">Its kind.</param>
    /// <param name="name">Its name.</param>
    public string? TryId(ResourceKind kind, string name) => _ids.TryGetValue((kind, name), out var entry) ? entry.Id : null;

    /// <summary>The address of a resource (a load balancer's DNS name), or null.</summary>
    /// <param name="kind">Its kind.</param>
    /// <param name="name">Its name.</param>
    public string? Address(ResourceKind kind, string name) => _ids.TryGetValue((kind, name), out var entry) ? entry.Address : null;

    /// <summary>Records the id (and address) of a resource made or found.</summary>
    /// <param name="kind">Its kind.</param>
    /// <param name="name">Its name.</param>
    /// <param name="id">Its id or ARN.</param>
    /// <param name="address">Its address, when it has one (kept from before when null).</param>
    public void SetId(ResourceKind kind, string name, string id, string? address = null) =>
        _ids[(kind, name)] = (id, address ?? Address(kind, name));

    /// <summary>Forgets a resource that was deleted.</summary>
    /// <param name="kind">Its kind.</param>
    /// <param name="name">Its name.</param>
    public void Forget(ResourceKind kind, string name) => _ids.Remove((kind, name));

    /// <summary>What the plan found of a resource, or null.</summary>
    /// <param name="kind">Its kind.</param>
    /// <param name="name">Its name.</param>
    public ObservedResource? Observed(ResourceKind kind, string name) => Plan.Current?.Find(kind, name);

    /// <summary>A progress line.</summary>
    /// <param name="line">The line (never a secret).</param>
    public void Info(string line) => Progress?.Info(line);
}

/// <summary>The apply engine: carries out a plan's changes in their order, each by its kind.</summary>
public static class Applier
{
    /// <summary>Applies every change that is not <see cref="ChangeAction.Unchanged"/>, in order.</summary>
    /// <param name="session">The AWS session.</param>
    /// <param name="plan">A plan with its desired and current state.</param>
    /// <param name="progress">Where each change is reported; null for nowhere.</param>
    /// <param name="cancellationToken">Cancels between and during calls; a rerun converges.</param>
    /// <returns>The context: ids of everything that exists now, and what was applied.</returns>
    /// <exception cref="DeployApplyException">A call failed; it names the resource and what was being done.</exception>
    public static async Task<ApplyContext> ApplyAsync(AwsSession session, DeploymentPlan plan, IDeployProgress? progress = null, CancellationToken cancellationToken = default)
    {
        var context = new ApplyContext(session, plan, progress, cancellationToken);
        await ApplyAsync(context).ConfigureAwait(false);
        return context;
    }

    /// <summary>Applies the context's plan; the context keeps what was done, also when a change fails.</summary>
    /// <param name="context">The context (its plan, session and progress).</param>
    /// <exception cref="DeployApplyException">A call failed; it names the resource and what was being done.</exception>
    public static async Task ApplyAsync(ApplyContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        _ = context.Desired;
        foreach (var change in context.Plan.Changes.Where(c => c.IsMutation && c.Action != ChangeAction.Delete))
        {
            context.CancellationToken.ThrowIfCancellationRequested();
            context.Progress?.Info($"{Verb(change.Action)} {change.Kind.Label} {change.Name}");
            await RunAsync(change, context).ConfigureAwait(false);
        }
    }

    /// <summary>One line per completed change, e.g. "create ECR repository shop/prod/web".</summary>
    /// <param name="context">The context.</param>
    public static IReadOnlyList<string> Describe(ApplyContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return [.. context.Completed.Select(c => $"{Infinitive(c.Action)} {c.Kind.Label} {c.Name}")];
    }

    /// <summary>
    /// What waits until the services run the new revisions: the deferred actions (in order), then the planned
    /// deletions (dependents first). Runs after a successful rollout; a rerun after a failure plans them again.
    /// </summary>
    /// <param name="context">The context of the apply.</param>
    /// <exception cref="DeployApplyException">A call failed.</exception>
    public static async Task CleanupAsync(ApplyContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        foreach (var (what, action) in context.AfterRollout)
        {
            context.Info(what);
            try
            {
                await action().ConfigureAwait(false);
            }
            catch (AwsApiException e)
            {
                throw new DeployApplyException($"Failed to {what}: {e.Message}", context.Applied.LastOrDefault() ?? context.Plan.Changes[0], e);
            }
        }

        foreach (var change in context.Plan.Changes.Where(c => c.Action == ChangeAction.Delete))
        {
            context.CancellationToken.ThrowIfCancellationRequested();
            await RunAsync(change, context).ConfigureAwait(false);
        }
    }

    private static async Task RunAsync(PlannedChange change, ApplyContext context)
    {
        context.Applied.Add(change);
        try
        {
            await change.Kind.ApplyAsync(change, context).ConfigureAwait(false);
            context.Completed.Add(change);
        }
        catch (AwsApiException e)
        {
            throw new DeployApplyException($"Failed to {Infinitive(change.Action)} {change.Kind.Label} {change.Name}: {e.Message}", change, e);
        }
    }

    private static string Verb(ChangeAction action) => action switch
    {
        ChangeAction.Create => "Creating",
        ChangeAction.Update => "Updating",
        ChangeAction.Replace => "Replacing",
        _ => "Checking",
    };

    private static string Infinitive(ChangeAction action) => action switch
    {
        ChangeAction.Create => "create",
        ChangeAction.Update => "update",
        ChangeAction.Replace => "replace",
        ChangeAction.Delete => "delete",
        _ => "check",
    };
}

/// <summary>A switch to make once a service's new target group has healthy targets.</summary>
/// <param name="Resource">The Aspire resource whose service registers in it.</param>
/// <param name="TargetGroupArn">The new target group.</param>
/// <param name="What">What the switch does, for the progress line.</param>
/// <param name="Action">The switch.</param>
public sealed record TargetSwitch(string Resource, string TargetGroupArn, string What, Func<Task> Action);

/// <summary>Applying a change failed; the message says which resource and what was being done.</summary>
public sealed class DeployApplyException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What failed.</param>
    /// <param name="change">The change being applied.</param>
    /// <param name="inner">The AWS error.</param>
    public DeployApplyException(string message, PlannedChange change, AwsApiException inner) : base(message, inner)
    {
        Change = change;
        AwsError = inner;
    }

    /// <summary>The change being applied when it failed.</summary>
    public PlannedChange Change { get; }

    /// <summary>The AWS error.</summary>
    public AwsApiException AwsError { get; }
}
