using System.Text.Json;
using Aspire.Deployer.Aws;
using Aspire.Deployer.Engine;
using Aspire.Deployer.Model;
using Iam = Aspire.Deployer.Aws.Iam;

namespace Aspire.Deployer.Resources;

/// <summary>An IAM role assumed by ECS tasks.</summary>
/// <param name="Name">The role name.</param>
/// <param name="Owner">The Aspire resource it is for.</param>
/// <param name="Tags">Its tags.</param>
/// <param name="TrustedServices">The service principals its trust policy lets assume it.</param>
/// <param name="ManagedPolicyArns">The managed policies attached to it (exactly these).</param>
/// <param name="SourceAccount">The account its trust policy requires as <c>aws:SourceAccount</c> (confused deputy), or null.</param>
public sealed record IamRoleSpec(
    string Name,
    string? Owner,
    IReadOnlyDictionary<string, string> Tags,
    IReadOnlyList<string> TrustedServices,
    IReadOnlyList<string> ManagedPolicyArns,
    string? SourceAccount = null)
    : ResourceSpec(Name, Owner, Tags)
{
    /// <summary>The Secrets Manager secrets (by name) an inline policy lets the role read with <c>secretsmanager:GetSecretValue</c>: exactly these.</summary>
    public IReadOnlyList<string> ReadableSecrets { get; init; } = [];

    /// <inheritdoc />
    public override ResourceKind Kind => IamRoleKind.Instance;

    /// <inheritdoc />
    public override string Describe() =>
        $"trusts {string.Join(", ", TrustedServices)}{(SourceAccount is null ? "" : " from account " + SourceAccount)}; " +
        (ManagedPolicyArns.Count == 0 ? "no policies" : "policies " + string.Join(", ", ManagedPolicyArns.Select(Arn.LastSegment))) +
        (ReadableSecrets.Count == 0 ? "" : $"; may read the secrets {string.Join(", ", ReadableSecrets)}");
}

/// <summary>
/// IAM roles, two per service: the task execution role (AmazonECSTaskExecutionRolePolicy: pull the image, write
/// logs; and, when the task reads secrets, an inline policy allowing secretsmanager:GetSecretValue on exactly those
/// secrets) and the task role the app's code runs as (no policies). IAM is global, so their names carry the region.
/// </summary>
public sealed partial class IamRoleKind : ResourceKind<IamRoleSpec>
{
    /// <summary>The service principal ECS tasks assume roles as.</summary>
    public const string TasksPrincipal = "ecs-tasks.amazonaws.com";

    /// <summary>The managed policy of the task execution role (pull from ECR, write to CloudWatch Logs).</summary>
    public const string ExecutionPolicyName = "service-role/AmazonECSTaskExecutionRolePolicy";

    /// <summary>The execution role's inline policy that lets ECS read the task's secrets.</summary>
    public const string SecretsPolicyName = "read-secrets";

    /// <summary>The kind.</summary>
    public static IamRoleKind Instance { get; } = new();

    /// <inheritdoc />
    public override string Name => "IamRole";

    /// <inheritdoc />
    public override string Label => "IAM role";

    /// <inheritdoc />
    protected override IEnumerable<IamRoleSpec> DesiredSpecs(DesiredContext context)
    {
        var target = context.Target;
        foreach (var service in context.Services)
        {
            var names = service.Names;
            yield return new IamRoleSpec(names.ExecutionRole(target.Region), names.Resource, names.Tags, [TasksPrincipal],
                [$"arn:{target.Partition}:iam::aws:policy/{ExecutionPolicyName}"], target.Account)
            {
                ReadableSecrets = [.. service.Secrets.Values.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)],
            };
            yield return new IamRoleSpec(names.TaskRole(target.Region), names.Resource, names.Tags, [TasksPrincipal], [], target.Account);
        }
    }

    /// <summary>
    /// The trust policy letting <paramref name="services"/> assume a role, on behalf of <paramref name="sourceAccount"/>
    /// only when given: ECS passes the account whose task assumes the role as <c>aws:SourceAccount</c>, so another
    /// account's tasks cannot use it (the confused deputy; see "Cross-service confused deputy prevention" in IAM's guide).
    /// </summary>
    /// <param name="services">The service principals.</param>
    /// <param name="sourceAccount">The account allowed to have the role assumed for it, or null for any.</param>
    public static string TrustPolicy(IEnumerable<string> services, string? sourceAccount = null) => JsonSerializer.Serialize(new
    {
        Version = "2012-10-17",
        Statement = services.Select(s => sourceAccount is null
            ? (object)new { Effect = "Allow", Principal = new { Service = s }, Action = "sts:AssumeRole" }
            : new
            {
                Effect = "Allow",
                Principal = new { Service = s },
                Action = "sts:AssumeRole",
                Condition = new Dictionary<string, object> { ["StringEquals"] = new Dictionary<string, string> { [SourceAccountKey] = sourceAccount } },
            }),
    });

    private const string SourceAccountKey = "aws:SourceAccount";

    /// <summary>The account a trust policy's <c>StringEquals aws:SourceAccount</c> condition names, or null.</summary>
    /// <param name="document">The policy document, URL-encoded as IAM returns it, or plain JSON.</param>
    public static string? SourceAccountOf(string? document)
    {
        try
        {
            return TrustStatements(document)
                .Select(st => st.TryGetProperty("Condition", out var c) && c.TryGetProperty("StringEquals", out var eq) && eq.TryGetProperty(SourceAccountKey, out var account)
                    && account.ValueKind == JsonValueKind.String ? account.GetString() : null)
                .Distinct()
                .SingleOrDefault();
        }
        catch (InvalidOperationException)
        {
            return null; // a condition that is no object, or two different accounts: not one this deploy wrote
        }
    }

    // The statements (objects) of a trust policy, URL-encoded as IAM returns it or plain JSON; none when it is no policy.
    private static List<JsonElement> TrustStatements(string? document)
    {
        if (string.IsNullOrWhiteSpace(document))
        {
            return [];
        }

        try
        {
            using var parsed = JsonDocument.Parse(document.TrimStart().StartsWith('{') ? document : Uri.UnescapeDataString(document));
            if (parsed.RootElement.ValueKind != JsonValueKind.Object || !parsed.RootElement.TryGetProperty("Statement", out var statements))
            {
                return [];
            }

            var list = statements.ValueKind == JsonValueKind.Array ? statements.EnumerateArray().ToList() : [statements];
            return [.. list.Where(st => st.ValueKind == JsonValueKind.Object).Select(st => st.Clone())];
        }
        catch (JsonException)
        {
            return [];
        }
    }

    /// <inheritdoc />
    public override async Task<IReadOnlyList<ObservedResource>> ReadAsync(ReadContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var (iam, ct) = (context.Session.Iam, context.CancellationToken);
        var found = new List<ObservedResource>();
        foreach (var spec in context.DesiredOf<IamRoleSpec>())
        {
            try
            {
                var role = (await iam.GetRoleAsync(new Iam.GetRoleRequest { RoleName = spec.Name }, ct).ConfigureAwait(false)).Role;
                var policies = await iam.ListAttachedRolePoliciesItemsAsync(new Iam.ListAttachedRolePoliciesRequest { RoleName = spec.Name }, ct)
                    .ToListAsync(ct).ConfigureAwait(false);
                found.Add(new ObservedResource(
                    spec with
                    {
                        Tags = Tags.ToDictionary(role.Tags, t => t.Key, t => t.Value),
                        TrustedServices = TrustedServices(role.AssumeRolePolicyDocument),
                        SourceAccount = SourceAccountOf(role.AssumeRolePolicyDocument),
                        ManagedPolicyArns = [.. policies.Select(p => p.PolicyArn).OfType<string>()],
                        ReadableSecrets = await ReadableSecretsAsync(context, spec.Name).ConfigureAwait(false),
                    },
                    role.Arn));
            }
            catch (AwsApiException e) when (e.ErrorCode == "NoSuchEntity")
            {
                // not there
            }
        }

        return found;
    }

    /// <summary>The service principals an IAM trust policy lets assume the role (sts:AssumeRole, Allow).</summary>
    /// <param name="document">The policy document, URL-encoded as IAM returns it, or plain JSON.</param>
    public static IReadOnlyList<string> TrustedServices(string? document)
    {
        return TrustStatements(document)
            .Where(s => Text(s, "Effect") == "Allow" && Strings(s, "Action").Contains("sts:AssumeRole"))
            .SelectMany(s => s.TryGetProperty("Principal", out var p) && p.ValueKind == JsonValueKind.Object ? Strings(p, "Service") : [])
            .Distinct(StringComparer.Ordinal)
            .ToList();

        static string? Text(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

        static List<string> Strings(JsonElement e, string name) =>
            !e.TryGetProperty(name, out var v) ? []
            : v.ValueKind == JsonValueKind.String ? [v.GetString()!]
            : v.ValueKind == JsonValueKind.Array ? [.. v.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.String).Select(x => x.GetString()!)]
            : [];
    }

    /// <inheritdoc />
    protected override void Compare(IamRoleSpec desired, IamRoleSpec current, Diff diff)
    {
        diff.Set("trusted services", current.TrustedServices, desired.TrustedServices);
        diff.Compare("trusted for account (aws:SourceAccount)", current.SourceAccount ?? "any", desired.SourceAccount ?? "any");
        diff.Set("managed policies", current.ManagedPolicyArns.Select(Arn.LastSegment), desired.ManagedPolicyArns.Select(Arn.LastSegment));
        diff.Set("readable secrets", current.ReadableSecrets, desired.ReadableSecrets);
    }

    /// <inheritdoc />
    protected override async Task CreateAsync(Change<IamRoleSpec> change, ApplyContext context)
    {
        var (spec, iam, ct) = (change.Desired, context.Session.Iam, context.CancellationToken);
        var role = await Converge.CreateOrFindAsync(["EntityAlreadyExists"],
            async () => (await iam.CreateRoleAsync(new Iam.CreateRoleRequest
            {
                RoleName = spec.Name,
                AssumeRolePolicyDocument = TrustPolicy(spec.TrustedServices, spec.SourceAccount),
                Tags = AwsTags(spec),
            }, ct).ConfigureAwait(false)).Role,
            async () => (await iam.GetRoleAsync(new Iam.GetRoleRequest { RoleName = spec.Name }, ct).ConfigureAwait(false)).Role).ConfigureAwait(false);
        Made(context, spec.Name, role.Arn);
        // Attaching is idempotent: after a crash the policy may already be there.
        await AttachAsync(spec, [], context).ConfigureAwait(false);
        await SecretsPolicyAsync(spec, [], context).ConfigureAwait(false);
    }

    /// <inheritdoc />
    protected override async Task UpdateAsync(Change<IamRoleSpec> change, ApplyContext context)
    {
        var (spec, current, iam, ct) = (change.Desired, change.Current!, context.Session.Iam, context.CancellationToken);
        if (!current.TrustedServices.Order(StringComparer.Ordinal).SequenceEqual(spec.TrustedServices.Order(StringComparer.Ordinal), StringComparer.Ordinal)
            || current.SourceAccount != spec.SourceAccount)
        {
            await iam.UpdateAssumeRolePolicyAsync(new Iam.UpdateAssumeRolePolicyRequest { RoleName = spec.Name, PolicyDocument = TrustPolicy(spec.TrustedServices, spec.SourceAccount) }, ct)
                .ConfigureAwait(false);
        }

        await AttachAsync(spec, current.ManagedPolicyArns, context).ConfigureAwait(false);
        await SecretsPolicyAsync(spec, current.ReadableSecrets, context).ConfigureAwait(false);
        if (change.TagsDiffer)
        {
            await iam.TagRoleAsync(new Iam.TagRoleRequest { RoleName = spec.Name, Tags = AwsTags(spec) }, ct).ConfigureAwait(false);
        }
    }

    // Attaches what is missing and detaches what is extra: exactly the spec's managed policies.
    private static async Task AttachAsync(IamRoleSpec spec, IReadOnlyList<string> attached, ApplyContext context)
    {
        var (iam, ct) = (context.Session.Iam, context.CancellationToken);
        foreach (var policy in spec.ManagedPolicyArns.Except(attached, StringComparer.Ordinal))
        {
            await iam.AttachRolePolicyAsync(new Iam.AttachRolePolicyRequest { RoleName = spec.Name, PolicyArn = policy }, ct).ConfigureAwait(false);
        }

        foreach (var policy in attached.Except(spec.ManagedPolicyArns, StringComparer.Ordinal))
        {
            await iam.DetachRolePolicyAsync(new Iam.DetachRolePolicyRequest { RoleName = spec.Name, PolicyArn = policy }, ct).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public override async Task<IReadOnlyList<FoundResource>> FindAsync(FindContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var (iam, scope, ct) = (context.Session.Iam, context.Scope, context.CancellationToken);
        // IAM lists roles without their tags: the app's naming narrows the list, GetRole's tags decide. IAM is
        // global, so only this region's roles: the same app and environment in another region keeps its own.
        var candidates = new SortedSet<string>(StringComparer.Ordinal);
        await foreach (var role in iam.ListRolesItemsAsync(new Iam.ListRolesRequest(), ct).ConfigureAwait(false))
        {
            if (role.RoleName.StartsWith(scope.Stack + "-", StringComparison.Ordinal)
                && (role.RoleName.EndsWith(AwsNames.ExecutionRoleSuffix(context.Region), StringComparison.Ordinal)
                    || role.RoleName.EndsWith(AwsNames.TaskRoleSuffix(context.Region), StringComparison.Ordinal)))
            {
                candidates.Add(role.RoleName);
            }
        }

        var result = new List<FoundResource>();
        foreach (var name in candidates)
        {
            try
            {
                var role = (await iam.GetRoleAsync(new Iam.GetRoleRequest { RoleName = name }, ct).ConfigureAwait(false)).Role;
                if (scope.Owns(Tags.ToDictionary(role.Tags, t => t.Key, t => t.Value)))
                {
                    result.Add(new FoundResource(this, name, role.Arn, IsPerService: true));
                }
            }
            catch (AwsApiException e) when (e.ErrorCode == "NoSuchEntity")
            {
                // gone since it was listed
            }
        }

        return result;
    }

    /// <inheritdoc />
    public override async Task DeleteAsync(FoundResource resource, DestroyContext context)
    {
        ArgumentNullException.ThrowIfNull(resource);
        ArgumentNullException.ThrowIfNull(context);
        var (iam, ct) = (context.Session.Iam, context.CancellationToken);
        try
        {
            var attached = await iam.ListAttachedRolePoliciesItemsAsync(new Iam.ListAttachedRolePoliciesRequest { RoleName = resource.Name }, ct).ToListAsync(ct).ConfigureAwait(false);
            foreach (var policy in attached.Where(p => p.PolicyArn is not null))
            {
                await Converge.TolerateAsync(() => iam.DetachRolePolicyAsync(new Iam.DetachRolePolicyRequest { RoleName = resource.Name, PolicyArn = policy.PolicyArn! }, ct), "NoSuchEntity")
                    .ConfigureAwait(false);
                context.Progress.Info($"detached {policy.PolicyName ?? policy.PolicyArn} from IAM role {resource.Name}");
            }

            var inline = await iam.ListRolePoliciesItemsAsync(new Iam.ListRolePoliciesRequest { RoleName = resource.Name }, ct).ToListAsync(ct).ConfigureAwait(false);
            foreach (var policy in inline)
            {
                await Converge.TolerateAsync(() => iam.DeleteRolePolicyAsync(new Iam.DeleteRolePolicyRequest { RoleName = resource.Name, PolicyName = policy }, ct), "NoSuchEntity")
                    .ConfigureAwait(false);
                context.Progress.Info($"deleted inline policy {policy} of IAM role {resource.Name}");
            }
        }
        catch (AwsApiException e) when (e.ErrorCode == "NoSuchEntity")
        {
            // the role went away meanwhile
        }

        await Converge.TolerateAsync(() => iam.DeleteRoleAsync(new Iam.DeleteRoleRequest { RoleName = resource.Name }, ct), "NoSuchEntity").ConfigureAwait(false);
        context.Removed(resource, $"removed IAM role {resource.Name}");
    }

    /// <summary>
    /// Before ECS gets a role this run created or changed (a task definition registered with it, a service created or
    /// updated to run it): waits until IAM shows every such role, then settles, saying so. IAM is eventually
    /// consistent: without it RegisterTaskDefinition can be refused iam:PassRole for a role made a second before, and
    /// tasks fail with "ECS was unable to assume the role" (terraform-aws-modules/terraform-aws-ecs#414,
    /// pulumi/pulumi-awsx#927). Once per role per run; roles this run left alone are not waited for.
    /// </summary>
    /// <param name="context">The apply context.</param>
    /// <param name="roleNames">The roles about to be used.</param>
    public static async Task WaitUntilUsableAsync(ApplyContext context, IEnumerable<string?> roleNames)
    {
        ArgumentNullException.ThrowIfNull(context);
        var changed = roleNames.OfType<string>()
            .Where(name => context.Completed.Any(c => c.Kind == Instance && c.Name == name) && context.Done.Add("iam-usable:" + name))
            .ToList();
        if (changed.Count == 0)
        {
            return;
        }

        var propagation = context.Propagation;
        context.Info($"  waiting for IAM to show {string.Join(" and ", changed)} to ECS (IAM is eventually consistent; up to {propagation.IamTimeout.TotalSeconds:0} s, then {propagation.IamSettle.TotalSeconds:0.#} s to settle)");
        foreach (var name in changed)
        {
            await Converge.WaitUntilAsync(() => ExistsAsync(context, name), propagation.IamTimeout, propagation.IamPoll,
                () => new InvalidOperationException($"IAM did not show the role {name} within {propagation.IamTimeout.TotalSeconds:0} s of creating it; run the deploy again."),
                context.CancellationToken).ConfigureAwait(false);
        }

        await Task.Delay(propagation.IamSettle, context.CancellationToken).ConfigureAwait(false);
    }

    private static async Task<bool> ExistsAsync(ApplyContext context, string name)
    {
        try
        {
            await context.Session.Iam.GetRoleAsync(new Iam.GetRoleRequest { RoleName = name }, context.CancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (AwsApiException e) when (e.ErrorCode == "NoSuchEntity")
        {
            return false;
        }
    }

    private static List<Iam.Tag> AwsTags(IamRoleSpec spec) => Tags.ToList(spec.Tags, (k, v) => new Iam.Tag { Key = k, Value = v });
}
