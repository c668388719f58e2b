using Aspire.Deployer.Aws;

namespace Aspire.Deployer.Engine;

/// <summary>
/// Answers of read-only AWS queries that several kinds need (the app's ECS services, for example), made once per
/// read or find and shared, so splitting the reading into kinds costs no extra calls.
/// </summary>
public sealed class SharedQueries
{
    private readonly Dictionary<string, Task> _answers = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    /// <summary>The answer under <paramref name="key"/>: asked the first time, remembered after.</summary>
    /// <typeparam name="T">The answer's type.</typeparam>
    /// <param name="key">What is asked, e.g. <c>ecs:services:shop-prod</c>.</param>
    /// <param name="ask">Makes the calls.</param>
    public Task<T> GetAsync<T>(string key, Func<Task<T>> ask)
    {
        ArgumentNullException.ThrowIfNull(ask);
        lock (_gate)
        {
            if (!_answers.TryGetValue(key, out var answer))
            {
                answer = ask();
                _answers[key] = answer;
            }

            return (Task<T>)answer;
        }
    }
}

/// <summary>Reads tags of many resources of one API in one call (ELBv2's DescribeTags), for the kinds that share it.</summary>
public abstract class BatchTagReader
{
    /// <summary>The tags of each resource, by id; a resource that is gone is left out.</summary>
    /// <param name="session">The AWS session.</param>
    /// <param name="ids">The ids (ARNs) to read.</param>
    /// <param name="cancellationToken">Cancels the calls.</param>
    public abstract Task<IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>>> ReadAsync(
        AwsSession session, IReadOnlyList<string> ids, CancellationToken cancellationToken);
}

/// <summary>What a kind's read sees: the desired state, what the kinds before it found, the session, shared queries.</summary>
/// <param name="session">The AWS session (read-only calls only).</param>
/// <param name="desired">The desired state.</param>
/// <param name="cancellationToken">Cancels the calls.</param>
public sealed class ReadContext(AwsSession session, DesiredState desired, CancellationToken cancellationToken)
{
    private readonly List<ObservedResource> _found = [];

    /// <summary>The AWS session.</summary>
    public AwsSession Session => session;

    /// <summary>The desired state.</summary>
    public DesiredState Desired => desired;

    /// <summary>Cancels the calls.</summary>
    public CancellationToken CancellationToken => cancellationToken;

    /// <summary>Queries several kinds share.</summary>
    public SharedQueries Shared { get; } = new();

    /// <summary>The desired specs of a type.</summary>
    /// <typeparam name="T">The spec type.</typeparam>
    public IReadOnlyList<T> DesiredOf<T>() where T : ResourceSpec => [.. desired.OfType<T>()];

    /// <summary>The name of a resource an earlier kind found under <paramref name="id"/>, or the id itself when it is not the app's.</summary>
    /// <param name="kind">Its kind.</param>
    /// <param name="id">Its id or ARN.</param>
    public string NameOf(ResourceKind kind, string id) =>
        _found.FirstOrDefault(r => r.Spec.Kind == kind && r.Id == id)?.Spec.Name ?? id;

    /// <summary>The id of what an earlier kind found under <paramref name="name"/>, or null.</summary>
    /// <param name="kind">Its kind.</param>
    /// <param name="name">Its name.</param>
    public string? IdOf(ResourceKind kind, string name) =>
        _found.FirstOrDefault(r => r.Spec.Kind == kind && r.Spec.Name == name)?.Id;

    /// <summary>What an earlier kind found.</summary>
    public IReadOnlyList<ObservedResource> Found => _found;

    internal void Add(IEnumerable<ObservedResource> resources) => _found.AddRange(resources);
}

/// <summary>What a kind's plan sees: the changes planned for the resources before it.</summary>
public sealed class PlanContext
{
    private readonly Dictionary<(ResourceKind Kind, string Name), PlannedChange> _changes = [];

    /// <summary>The change planned for an earlier resource, or null.</summary>
    /// <param name="kind">Its kind.</param>
    /// <param name="name">Its name.</param>
    public PlannedChange? ChangeOf(ResourceKind kind, string name) => _changes.GetValueOrDefault((kind, name));

    /// <summary>The changes planned for earlier resources of a kind.</summary>
    /// <param name="kind">The kind.</param>
    public IEnumerable<PlannedChange> ChangesOf(ResourceKind kind) => _changes.Values.Where(c => c.Kind == kind);

    internal void Add(PlannedChange change) => _changes[(change.Kind, change.Name)] = change;
}
