namespace Aspire.Deployer.Engine;

/// <summary>
/// The one contract every AWS resource kind implements, as a Terraform or Pulumi provider's resource does: what the
/// deployment needs of it (desired specs), how it is read from AWS, how current and desired are compared, how it is
/// created, updated in place or replaced, and how it is found by its tags and deleted. The plan, apply and destroy
/// engines know nothing else about a kind; they walk <c>Resources.Registry</c> in order (dependencies first) and,
/// for destroy, in reverse.
/// </summary>
public abstract class ResourceKind
{
    /// <summary>The kind's stable name, e.g. <c>LogGroup</c> (the plan's JSON and the engines' keys).</summary>
    public abstract string Name { get; }

    /// <summary>How the kind reads in output, e.g. <c>log group</c>.</summary>
    public abstract string Label { get; }

    /// <summary>
    /// Tags of this kind are read in one batch with other kinds of the same API (ELBv2's DescribeTags takes 20 ARNs):
    /// the read leaves them empty and the engine fills them in. Null when <see cref="ReadAsync"/> reads them itself.
    /// </summary>
    public virtual BatchTagReader? BatchTags => null;

    /// <summary>The resources of this kind the deployment needs, in the order they are made.</summary>
    /// <param name="context">The deployment, network, region and images.</param>
    public abstract IEnumerable<ResourceSpec> Desire(DesiredContext context);

    /// <summary>What exists in AWS for this kind's desired resources (read-only calls only). A missing resource is left out;
    /// a resource that exists but is no longer wanted may be returned, and is then planned for deletion.</summary>
    /// <param name="context">The desired state, what earlier kinds found, the session.</param>
    public abstract Task<IReadOnlyList<ObservedResource>> ReadAsync(ReadContext context);

    /// <summary>What a deploy does to one desired resource: create, update (with the differences), replace (with why), or nothing.</summary>
    /// <param name="desired">The desired spec.</param>
    /// <param name="observed">What exists under its name, or null.</param>
    /// <param name="context">The changes already planned for the resources it depends on.</param>
    public abstract PlannedChange Plan(ResourceSpec desired, ObservedResource? observed, PlanContext context);

    /// <summary>Carries out one planned change (never <see cref="ChangeAction.Unchanged"/>).</summary>
    /// <param name="change">The change, with its desired spec and what existed.</param>
    /// <param name="context">Ids of what exists or was made, the session, progress.</param>
    public abstract Task ApplyAsync(PlannedChange change, ApplyContext context);

    /// <summary>Everything of this kind that carries the app's tags (read-only calls), in the order it must be removed.</summary>
    /// <param name="context">The app and environment, and queries shared with other kinds.</param>
    public abstract Task<IReadOnlyList<FoundResource>> FindAsync(FindContext context);

    /// <summary>Removes the found resources of this kind; by default one after the other with <see cref="DeleteAsync"/>.</summary>
    /// <param name="resources">What <see cref="FindAsync"/> found (none kept).</param>
    /// <param name="context">The session, progress and what was removed so far.</param>
    public virtual async Task DeleteAllAsync(IReadOnlyList<FoundResource> resources, DestroyContext context)
    {
        ArgumentNullException.ThrowIfNull(resources);
        ArgumentNullException.ThrowIfNull(context);
        foreach (var resource in resources)
        {
            await context.GuardAsync(resource, () => DeleteAsync(resource, context)).ConfigureAwait(false);
        }
    }

    /// <summary>Removes one resource; "already gone" counts as removed. Reports it with <see cref="DestroyContext.Removed"/>.</summary>
    /// <param name="resource">The resource.</param>
    /// <param name="context">The session, progress and what was removed so far.</param>
    public abstract Task DeleteAsync(FoundResource resource, DestroyContext context);

    /// <inheritdoc />
    public override string ToString() => Name;
}

/// <summary>A planned change with its spec and current state typed for the kind that applies it.</summary>
/// <typeparam name="TSpec">The kind's spec.</typeparam>
/// <param name="Desired">What it should look like.</param>
/// <param name="Current">What it looks like now; null when it does not exist (or its state is unknown).</param>
/// <param name="Observed">What was read, with its id; null when it does not exist.</param>
/// <param name="Planned">The change as planned (its action and differences).</param>
public sealed record Change<TSpec>(TSpec Desired, TSpec? Current, ObservedResource? Observed, PlannedChange Planned)
    where TSpec : ResourceSpec
{
    /// <summary>True when the desired tags differ from the current ones (keys others added are left alone).</summary>
    public bool TagsDiffer => Current is null || Tags.Differ(Desired.Tags, Current.Tags);
}

/// <summary>
/// The typed base of a resource kind: plans with a <see cref="Diff"/> of the kind's own properties (tags compared for
/// every kind), and dispatches apply to <see cref="CreateAsync"/>, <see cref="UpdateAsync"/> and <see cref="ReplaceAsync"/>.
/// </summary>
/// <typeparam name="TSpec">The kind's spec record.</typeparam>
public abstract class ResourceKind<TSpec> : ResourceKind
    where TSpec : ResourceSpec
{
    /// <inheritdoc />
    public sealed override IEnumerable<ResourceSpec> Desire(DesiredContext context) => DesiredSpecs(context);

    /// <inheritdoc />
    public sealed override PlannedChange Plan(ResourceSpec desired, ObservedResource? observed, PlanContext context)
    {
        ArgumentNullException.ThrowIfNull(desired);
        ArgumentNullException.ThrowIfNull(context);
        var spec = (TSpec)desired;
        PlannedChange change;
        if (observed is null)
        {
            change = PlannedChange.Create(spec, CreateNotes(spec));
        }
        else
        {
            var diff = new Diff();
            Compare(spec, (TSpec)observed.Spec, diff);
            if (ComparesTags)
            {
                diff.Map("tag", observed.Spec.Tags, spec.Tags, desiredKeysOnly: true);
            }

            if (observed.Unreported is { Count: > 0 } unreported)
            {
                diff.Note($"not reported by AWS, so not compared: {string.Join("; ", unreported)}");
            }

            change = PlannedChange.FromDiff(spec, observed, diff);
        }

        return Cascade(change, spec, context);
    }

    /// <inheritdoc />
    public sealed override Task ApplyAsync(PlannedChange change, ApplyContext context)
    {
        ArgumentNullException.ThrowIfNull(change);
        ArgumentNullException.ThrowIfNull(context);
        if (change.Action == ChangeAction.Delete)
        {
            return DeleteStrayAsync(change, context);
        }

        var typed = new Change<TSpec>((TSpec)change.Desired!, change.Observed?.Spec as TSpec, change.Observed, change);
        return change.Action switch
        {
            ChangeAction.Create => CreateAsync(typed, context),
            ChangeAction.Update => UpdateAsync(typed, context),
            ChangeAction.Replace => ReplaceAsync(typed, context),
            _ => Task.CompletedTask,
        };
    }

    /// <summary>The kind's desired specs.</summary>
    /// <param name="context">The deployment, network, region and images.</param>
    protected abstract IEnumerable<TSpec> DesiredSpecs(DesiredContext context);

    /// <summary>Notes for a plan's create line (e.g. that the image comes from the image step).</summary>
    /// <param name="desired">The spec to create.</param>
    protected virtual IReadOnlyList<string> CreateNotes(TSpec desired) => [];

    /// <summary>Records every property that differs; a difference AWS cannot change in place names why it forces a replacement.</summary>
    /// <param name="desired">What it should look like.</param>
    /// <param name="current">What it looks like.</param>
    /// <param name="diff">Where the differences go.</param>
    protected abstract void Compare(TSpec desired, TSpec current, Diff diff);

    /// <summary>False for kinds whose AWS resource has no tags of its own.</summary>
    protected virtual bool ComparesTags => true;

    /// <summary>What the changes planned for the resources this one depends on mean for it (e.g. a replaced target group
    /// means the service is updated); by default nothing.</summary>
    /// <param name="change">This resource's change, from its own comparison.</param>
    /// <param name="desired">Its spec.</param>
    /// <param name="context">The changes planned before it.</param>
    protected virtual PlannedChange Cascade(PlannedChange change, TSpec desired, PlanContext context) => change;

    /// <summary>Creates the resource, or finds the one an interrupted run made; records its id.</summary>
    /// <param name="change">The change (no current state).</param>
    /// <param name="context">Ids, session, progress.</param>
    protected abstract Task CreateAsync(Change<TSpec> change, ApplyContext context);

    /// <summary>Changes in place, sending only what differs; records the id.</summary>
    /// <param name="change">The change with the current state.</param>
    /// <param name="context">Ids, session, progress.</param>
    protected abstract Task UpdateAsync(Change<TSpec> change, ApplyContext context);

    /// <summary>Replaces the resource; by default refuses, naming why and what to do.</summary>
    /// <param name="change">The change with the current state.</param>
    /// <param name="context">Ids, session, progress.</param>
    protected virtual Task ReplaceAsync(Change<TSpec> change, ApplyContext context)
    {
        ArgumentNullException.ThrowIfNull(change);
        throw new InvalidOperationException(
            $"{Label} {change.Desired.Name} must be replaced ({change.Planned.Reason}); the deployer does not replace it while it is in use. Run destroy, then deploy.");
    }

    /// <summary>Deletes a resource the model no longer wants; by default leaves it for destroy and says so.</summary>
    /// <param name="change">The planned deletion.</param>
    /// <param name="context">Session and progress.</param>
    protected virtual Task DeleteStrayAsync(PlannedChange change, ApplyContext context)
    {
        ArgumentNullException.ThrowIfNull(change);
        ArgumentNullException.ThrowIfNull(context);
        context.Progress?.Warn($"{Label} {change.Name} is no longer in the model; left in place (destroy removes it).");
        return Task.CompletedTask;
    }

    /// <summary>Records the id (and address) of a resource of this kind made or found during apply.</summary>
    /// <param name="context">The apply context.</param>
    /// <param name="name">The resource name.</param>
    /// <param name="id">Its id or ARN.</param>
    /// <param name="address">Its address (a load balancer's DNS name), when it has one.</param>
    protected void Made(ApplyContext context, string name, string id, string? address = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.SetId(this, name, id, address);
    }
}
