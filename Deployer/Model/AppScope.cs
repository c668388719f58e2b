namespace Aspire.Deployer.Model;

/// <summary>
/// Which app and environment destroy and status act on. Resources are found by the tags every deploy sets
/// (<see cref="AwsNames.TagKeys.App"/>, <see cref="AwsNames.TagKeys.Environment"/> and
/// <see cref="AwsNames.TagKeys.ManagedBy"/>); names narrow the search, tags decide what belongs to the app.
/// </summary>
/// <param name="App">The application name (<c>Aws:AppName</c>).</param>
/// <param name="Environment">The environment name (<c>Aws:Environment</c>).</param>
/// <param name="Services">The names of the services the model has now, when it could be read; services the model no
/// longer has are found by their tags all the same.</param>
/// <param name="FrontDoor">The domain, zone and host names of its HTTPS front door, when it has one (or the settings name one):
/// where destroy looks for its DNS records.</param>
public sealed record AppScope(string App, string Environment, IReadOnlyList<AwsNames>? Services = null, FrontDoorScope? FrontDoor = null)
{
    /// <summary>The scope of a deployment description (its app, environment and services).</summary>
    /// <param name="deployment">The deployment.</param>
    /// <returns>The scope.</returns>
    public static AppScope From(DeploymentDescription deployment)
    {
        ArgumentNullException.ThrowIfNull(deployment);
        var door = deployment.FrontDoor is { } d ? new FrontDoorScope(d.Domain, d.HostedZoneId, d.Hosts(deployment.Services)) : null;
        return new AppScope(deployment.App, deployment.Environment, [.. deployment.Services.Select(s => s.Names)], door);
    }

    /// <summary>The prefix of every per-app name: <c>{app}-{environment}</c> (cluster, load balancer, services, roles, ...).</summary>
    public string Stack => AwsNames.StackOf(App, Environment);

    /// <summary>The prefix of the app's ECR repositories: <c>{app}/{environment}/</c>.</summary>
    public string RepositoryPrefix => AwsNames.RepositoryPrefix(App, Environment);

    /// <summary>The prefix of the app's log groups: <c>/ecs/{app}/{environment}/</c>.</summary>
    public string LogGroupPrefix => AwsNames.LogGroupPrefix(App, Environment);

    /// <summary>The prefix of the app's Secrets Manager secrets: <c>{app}/{environment}/</c>.</summary>
    public string SecretPrefix => AwsNames.SecretPrefix(App, Environment);

    /// <summary>The tags a resource must carry, all of them, to be the app's: app, environment and managed-by.</summary>
    public IReadOnlyDictionary<string, string> Tags => AwsNames.SharedTagsOf(App, Environment);

    /// <summary>True when <paramref name="tags"/> carry the app's, environment's and managed-by tags with these values.</summary>
    /// <param name="tags">A resource's tags (null or empty: not the app's).</param>
    /// <returns>Whether the resource belongs to this app and environment.</returns>
    public bool Owns(IEnumerable<KeyValuePair<string, string>>? tags)
    {
        if (tags is null)
        {
            return false;
        }

        var found = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in tags)
        {
            found[key] = value;
        }

        return Tags.All(t => found.TryGetValue(t.Key, out var v) && v == t.Value);
    }
}
