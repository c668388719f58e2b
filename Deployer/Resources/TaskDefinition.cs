using System.Globalization;
using Aspire.Deployer.Aws;
using Aspire.Deployer.Engine;
using Aspire.Deployer.Model;
using Aspire.ServiceDefaults;
using Ecs = Aspire.Deployer.Aws.Ecs;

namespace Aspire.Deployer.Resources;

/// <summary>A Fargate task definition family (its latest revision, or the one the service runs).</summary>
/// <param name="Name">The family.</param>
/// <param name="Owner">The Aspire resource it runs.</param>
/// <param name="Tags">Its tags.</param>
/// <param name="Cpu">CPU units.</param>
/// <param name="MemoryMiB">Memory in MiB.</param>
/// <param name="CpuArchitecture"><c>X86_64</c> or <c>ARM64</c>.</param>
/// <param name="OperatingSystemFamily"><c>LINUX</c>.</param>
/// <param name="NetworkMode"><c>awsvpc</c>.</param>
/// <param name="RequiresCompatibilities"><c>FARGATE</c>.</param>
/// <param name="ExecutionRoleName">The task execution role, by name.</param>
/// <param name="TaskRoleName">The task role, by name.</param>
/// <param name="Container">Its one container.</param>
public sealed record TaskDefinitionSpec(
    string Name,
    string? Owner,
    IReadOnlyDictionary<string, string> Tags,
    int Cpu,
    int MemoryMiB,
    string CpuArchitecture,
    string OperatingSystemFamily,
    string NetworkMode,
    IReadOnlyList<string> RequiresCompatibilities,
    string? ExecutionRoleName,
    string? TaskRoleName,
    ContainerSpec Container)
    : ResourceSpec(Name, Owner, Tags)
{
    /// <inheritdoc />
    public override ResourceKind Kind => TaskDefinitionKind.Instance;

    /// <inheritdoc />
    public override string Describe() =>
        $"{string.Join("/", RequiresCompatibilities)} {NetworkMode}, {Num(Cpu)} CPU / {Num(MemoryMiB)} MiB, {CpuArchitecture}, {TaskDefinitionContainer.Describe(Container)}";
}

/// <summary>
/// Task definitions, one family per service: Fargate, awsvpc, the checked CPU/memory pair, one essential container by
/// image digest (or an existing image as it is) with named port mappings, its secrets read from Secrets Manager, a
/// read-only root filesystem, never privileged, the contract's stop timeout and awslogs. A change
/// registers a new revision, and exactly one: a revision a killed run left behind is reused.
/// </summary>
public sealed class TaskDefinitionKind : ResourceKind<TaskDefinitionSpec>
{
    /// <summary>The kind.</summary>
    public static TaskDefinitionKind Instance { get; } = new();

    /// <inheritdoc />
    public override string Name => "TaskDefinition";

    /// <inheritdoc />
    public override string Label => "task definition";

    /// <inheritdoc />
    protected override IEnumerable<TaskDefinitionSpec> DesiredSpecs(DesiredContext context)
    {
        foreach (var service in context.Services)
        {
            var names = service.Names;
            yield return new TaskDefinitionSpec(names.TaskFamily, names.Resource, names.Tags, service.Size.Cpu, service.Size.MemoryMiB,
                service.Options.Architecture.ToString(), "LINUX", "awsvpc", ["FARGATE"], names.ExecutionRole(context.Target.Region), names.TaskRole(context.Target.Region),
                TaskDefinitionContainer.Desired(service, context));
        }
    }

    /// <inheritdoc />
    protected override IReadOnlyList<string> CreateNotes(TaskDefinitionSpec desired) =>
        desired.Container.Image is null ? ["registered with the image the image step pushes"] : [];

    /// <inheritdoc />
    public override async Task<IReadOnlyList<ObservedResource>> ReadAsync(ReadContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var services = await EcsServiceKind.DescribeDesiredAsync(context).ConfigureAwait(false);
        var found = new List<ObservedResource>();
        foreach (var spec in context.DesiredOf<TaskDefinitionSpec>())
        {
            // The revision the service runs is what a deploy changes; without a service, the family's latest.
            var running = services.FirstOrDefault(s => Arn.FamilyOf(s.TaskDefinition) == spec.Name)?.TaskDefinition;
            if (await ReadRevisionAsync(context.Session, spec, running ?? spec.Name, context.CancellationToken, arn => context.NameOf(SecretKind.Instance, arn))
                    .ConfigureAwait(false) is { } observed)
            {
                found.Add(observed);
            }
        }

        return found;
    }

    /// <summary>Reads one revision (a family name gives its latest ACTIVE revision) into the shape of <paramref name="spec"/>; null when there is none.</summary>
    /// <param name="session">The AWS session.</param>
    /// <param name="spec">The desired task definition (names the container and the tags to read).</param>
    /// <param name="reference">A family, <c>family:revision</c> or an ARN.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <param name="secretName">The app's name of a secret, by its ARN (a container's <c>valueFrom</c>); null: secrets are read as ARNs.</param>
    public static async Task<ObservedResource?> ReadRevisionAsync(
        AwsSession session, TaskDefinitionSpec spec, string reference, CancellationToken cancellationToken, Func<string, string>? secretName = null)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(spec);
        Ecs.DescribeTaskDefinitionResponse response;
        try
        {
            response = await session.Ecs.DescribeTaskDefinitionAsync(new Ecs.DescribeTaskDefinitionRequest { TaskDefinition = reference, Include = [Ecs.TaskDefinitionField.Tags] },
                cancellationToken).ConfigureAwait(false);
        }
        catch (AwsApiException e) when (e.ErrorCode == "ClientException" && e.AwsMessage.Contains("Unable to describe task definition", StringComparison.OrdinalIgnoreCase))
        {
            return null; // what ECS answers for a family with no ACTIVE revision
        }

        return response.TaskDefinition is { TaskDefinitionArn: { } arn } definition
            ? new ObservedResource(Observed(spec, definition, response.Tags, secretName ?? (a => a)), arn)
            : null;
    }

    /// <summary>Reads one revision as a spec of its own shape (its first container), for comparing two revisions; null when there is none.</summary>
    /// <param name="session">The AWS session.</param>
    /// <param name="reference">A family, <c>family:revision</c> or an ARN.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public static async Task<ObservedResource?> ReadRevisionAsync(AwsSession session, string reference, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        var family = Arn.FamilyOf(reference) ?? reference.Split(':')[0];
        var shape = new TaskDefinitionSpec(family, null, new Dictionary<string, string>(), 0, 0, "", "", "", [], null, null,
            new ContainerSpec("", null, [], new Dictionary<string, string>(), true, false, false, 0, "", new Dictionary<string, string>()));
        return await ReadRevisionAsync(session, shape, reference, cancellationToken).ConfigureAwait(false);
    }

    private static TaskDefinitionSpec Observed(TaskDefinitionSpec spec, Ecs.TaskDefinition definition, IEnumerable<Ecs.Tag>? tags, Func<string, string> secretName)
    {
        var container = definition.ContainerDefinitions?.FirstOrDefault(c => c.Name == spec.Container.Name) ?? definition.ContainerDefinitions?.FirstOrDefault();
        return spec with
        {
            Tags = ClusterKind.EcsTags(tags),
            Cpu = ParseInt(definition.Cpu),
            MemoryMiB = ParseInt(definition.Memory),
            CpuArchitecture = definition.RuntimePlatform?.CpuArchitecture ?? "X86_64",
            OperatingSystemFamily = definition.RuntimePlatform?.OperatingSystemFamily ?? "LINUX",
            NetworkMode = definition.NetworkMode ?? "",
            RequiresCompatibilities = definition.RequiresCompatibilities ?? [],
            ExecutionRoleName = definition.ExecutionRoleArn is { } execution ? Arn.LastSegment(execution) : null,
            TaskRoleName = definition.TaskRoleArn is { } task ? Arn.LastSegment(task) : null,
            Container = TaskDefinitionContainer.Observed(container, secretName),
        };
    }

    private static int ParseInt(string? value) => int.TryParse(value, CultureInfo.InvariantCulture, out var n) ? n : 0;

    /// <inheritdoc />
    protected override void Compare(TaskDefinitionSpec desired, TaskDefinitionSpec current, Diff diff)
    {
        diff.Compare("cpu", current.Cpu, desired.Cpu);
        diff.Compare("memory MiB", current.MemoryMiB, desired.MemoryMiB);
        diff.Compare("CPU architecture", current.CpuArchitecture, desired.CpuArchitecture);
        diff.Compare("operating system", current.OperatingSystemFamily, desired.OperatingSystemFamily);
        diff.Compare("network mode", current.NetworkMode, desired.NetworkMode);
        diff.Set("compatibilities", current.RequiresCompatibilities, desired.RequiresCompatibilities);
        diff.Compare("execution role", current.ExecutionRoleName, desired.ExecutionRoleName);
        diff.Compare("task role", current.TaskRoleName, desired.TaskRoleName);
        TaskDefinitionContainer.Compare(desired.Container, current.Container, diff);
    }

    /// <inheritdoc />
    protected override PlannedChange Cascade(PlannedChange change, TaskDefinitionSpec desired, PlanContext context) => change.Action switch
    {
        ChangeAction.Update => change.WithNote($"registers a new revision of {desired.Name}; the current one is {Arn.LastSegment(change.CurrentId!)}"),
        ChangeAction.Unchanged when desired.Container.Image is null => change.WithNote("a new revision is registered if the image changed"),
        _ => change,
    };

    /// <inheritdoc />
    protected override Task CreateAsync(Change<TaskDefinitionSpec> change, ApplyContext context) => RegisterAsync(change.Desired, context);

    /// <inheritdoc />
    protected override Task UpdateAsync(Change<TaskDefinitionSpec> change, ApplyContext context) => RegisterAsync(change.Desired, context);

    private async Task RegisterAsync(TaskDefinitionSpec spec, ApplyContext context)
    {
        var ct = context.CancellationToken;
        // A run killed between registering and updating the service left a matching latest revision: reuse it.
        if (await MatchingLatestRevisionAsync(spec, context).ConfigureAwait(false) is { } latest)
        {
            context.Info($"  the latest revision {Arn.LastSegment(latest)} already matches; reusing it");
            Made(context, spec.Name, latest);
            return;
        }

        await IamRoleKind.WaitUntilUsableAsync(context, [spec.ExecutionRoleName, spec.TaskRoleName]).ConfigureAwait(false);
        // Every RegisterTaskDefinition makes a revision: after an answer lost on its way back, the match is the one it made.
        var request = RegisterRequest(spec, context.Id(IamRoleKind.Instance, spec.ExecutionRoleName!), context.Id(IamRoleKind.Instance, spec.TaskRoleName!),
            name => context.Id(SecretKind.Instance, name));
        var arn = await Converge.CreateOnceAsync(context.Session,
            async () => (await context.Session.Ecs.RegisterTaskDefinitionAsync(request, ct).ConfigureAwait(false)).TaskDefinition?.TaskDefinitionArn
                ?? throw new InvalidOperationException($"RegisterTaskDefinition for {spec.Name} returned no ARN."),
            () => MatchingLatestRevisionAsync(spec, context), ct).ConfigureAwait(false);
        context.Info($"  registered {Arn.LastSegment(arn)}");
        Made(context, spec.Name, arn);
    }

    // The family's latest revision when it is exactly what the spec asks for, else null.
    private async Task<string?> MatchingLatestRevisionAsync(TaskDefinitionSpec spec, ApplyContext context)
    {
        var latest = await ReadRevisionAsync(context.Session, spec, spec.Name, context.CancellationToken,
            arn => spec.Container.Secrets.Values.FirstOrDefault(name => context.TryId(SecretKind.Instance, name) == arn) ?? arn).ConfigureAwait(false);
        return latest is not null && Plan(spec, latest, new PlanContext()).Action == ChangeAction.Unchanged ? latest.Id : null;
    }

    /// <summary>The RegisterTaskDefinition request for a spec: Fargate, awsvpc, one container by digest, read-only root, awslogs.</summary>
    /// <param name="spec">The spec (with its image).</param>
    /// <param name="executionRoleArn">The execution role.</param>
    /// <param name="taskRoleArn">The task role.</param>
    /// <param name="secretArn">The ARN of one of the app's secrets, by name (the containers' <c>valueFrom</c>).</param>
    public static Ecs.RegisterTaskDefinitionRequest RegisterRequest(TaskDefinitionSpec spec, string executionRoleArn, string taskRoleArn, Func<string, string> secretArn)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return new Ecs.RegisterTaskDefinitionRequest
        {
            Family = spec.Name,
            Cpu = spec.Cpu.ToString(CultureInfo.InvariantCulture),
            Memory = spec.MemoryMiB.ToString(CultureInfo.InvariantCulture),
            NetworkMode = spec.NetworkMode,
            RequiresCompatibilities = spec.RequiresCompatibilities,
            RuntimePlatform = new Ecs.RuntimePlatform { CpuArchitecture = spec.CpuArchitecture, OperatingSystemFamily = spec.OperatingSystemFamily },
            ExecutionRoleArn = executionRoleArn,
            TaskRoleArn = taskRoleArn,
            Tags = ClusterKind.AwsTags(spec.Tags),
            ContainerDefinitions = [TaskDefinitionContainer.Request(spec.Container, spec.Name, secretArn)],
        };
    }

    /// <inheritdoc />
    public override async Task<IReadOnlyList<FoundResource>> FindAsync(FindContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var (ecs, scope, ct) = (context.Session.Ecs, context.Scope, context.CancellationToken);
        var families = new SortedSet<string>(StringComparer.Ordinal);
        var listed = await ecs.ListTaskDefinitionFamiliesItemsAsync(new Ecs.ListTaskDefinitionFamiliesRequest
        {
            FamilyPrefix = scope.Stack + "-",
            Status = Ecs.TaskDefinitionFamilyStatus.Active,
        }, ct).ToListAsync(ct).ConfigureAwait(false);
        families.UnionWith(listed);
        foreach (var cluster in await ClusterKind.ClustersAsync(context).ConfigureAwait(false))
        {
            var services = await EcsServiceKind.ServicesInAsync(context, cluster.Name).ConfigureAwait(false);
            families.UnionWith(services.Ours.Select(s => Arn.FamilyOf(s.Service.TaskDefinition)).OfType<string>());
        }

        families.UnionWith((scope.Services ?? []).Select(n => n.TaskFamily));
        var result = new List<FoundResource>();
        foreach (var family in families)
        {
            // INACTIVE revisions too: deregistering keeps a revision (and its image reference) until it is deleted.
            foreach (var status in new[] { Ecs.TaskDefinitionStatus.Active, Ecs.TaskDefinitionStatus.Inactive })
            {
                var arns = await ecs.ListTaskDefinitionsItemsAsync(new Ecs.ListTaskDefinitionsRequest { FamilyPrefix = family, Status = status }, ct)
                    .ToListAsync(ct).ConfigureAwait(false);
                foreach (var arn in arns.Where(a => Arn.FamilyOf(a) == family))
                {
                    if (await OwnedStatusAsync(context, arn).ConfigureAwait(false) is { } owned)
                    {
                        result.Add(new FoundResource(this, Arn.LastSegment(arn), arn, State: owned, IsPerService: true));
                    }
                }
            }
        }

        return result;
    }

    // ACTIVE or INACTIVE when the revision is the app's; null when it is not, is being deleted, or is gone.
    private static async Task<string?> OwnedStatusAsync(FindContext context, string arn)
    {
        try
        {
            var described = await context.Session.Ecs.DescribeTaskDefinitionAsync(new Ecs.DescribeTaskDefinitionRequest { TaskDefinition = arn, Include = [Ecs.TaskDefinitionField.Tags] },
                context.CancellationToken).ConfigureAwait(false);
            return described.TaskDefinition?.Status is "ACTIVE" or "INACTIVE" && context.Scope.Owns(ClusterKind.EcsTags(described.Tags)) ? described.TaskDefinition.Status : null;
        }
        catch (AwsApiException e) when (e.ErrorCode == "ClientException")
        {
            return null; // gone since it was listed
        }
    }

    /// <inheritdoc />
    public override async Task DeleteAsync(FoundResource resource, DestroyContext context)
    {
        ArgumentNullException.ThrowIfNull(resource);
        ArgumentNullException.ThrowIfNull(context);
        var (ecs, ct) = (context.Session.Ecs, context.CancellationToken);
        if (resource.State != Ecs.TaskDefinitionStatus.Inactive)
        {
            await ecs.DeregisterTaskDefinitionAsync(new Ecs.DeregisterTaskDefinitionRequest { TaskDefinition = resource.Id }, ct).ConfigureAwait(false);
        }

        // Only an INACTIVE revision can be deleted; ECS then removes it once no task uses it.
        var deleted = await ecs.DeleteTaskDefinitionsAsync(new Ecs.DeleteTaskDefinitionsRequest { TaskDefinitions = [resource.Id] }, ct).ConfigureAwait(false);
        if (deleted.Failures?.FirstOrDefault() is { } failure)
        {
            throw new AwsApiException("ECS", "DeleteTaskDefinitions", "ClientException", $"{resource.Name}: {failure.Reason} {failure.Detail}".TrimEnd());
        }

        context.Removed(resource, $"deregistered and deleted task definition {resource.Name}");
    }
}
