using System.Text.Json;
using Aspire.Deployer.Aws;
using Aspire.Deployer.Engine;
using Iam = Aspire.Deployer.Aws.Iam;

namespace Aspire.Deployer.Resources;

// The execution role's inline read-secrets policy: its document, how it is read back and how it is put.
public sealed partial class IamRoleKind
{
    // The secrets the role's inline policy lets it read, by name (an ARN that is not one of the app's secrets stays an ARN).
    private static async Task<IReadOnlyList<string>> ReadableSecretsAsync(ReadContext context, string role)
    {
        try
        {
            var policy = await context.Session.Iam.GetRolePolicyAsync(new Iam.GetRolePolicyRequest { RoleName = role, PolicyName = SecretsPolicyName }, context.CancellationToken)
                .ConfigureAwait(false);
            return [.. PolicyResources(policy.PolicyDocument).Select(arn => context.NameOf(SecretKind.Instance, arn)).Order(StringComparer.Ordinal)];
        }
        catch (AwsApiException e) when (e.ErrorCode == "NoSuchEntity")
        {
            return [];
        }
    }

    /// <summary>The policy letting a role read exactly <paramref name="secretArns"/>.</summary>
    /// <param name="secretArns">The secrets' ARNs.</param>
    public static string SecretsPolicy(IEnumerable<string> secretArns) => JsonSerializer.Serialize(new
    {
        Version = "2012-10-17",
        Statement = new[] { new { Effect = "Allow", Action = "secretsmanager:GetSecretValue", Resource = secretArns.Order(StringComparer.Ordinal).ToArray() } },
    });

    /// <summary>The resources an IAM policy document allows (its statements' <c>Resource</c>).</summary>
    /// <param name="document">The document, URL-encoded as IAM returns it, or plain JSON.</param>
    public static IReadOnlyList<string> PolicyResources(string? document)
    {
        if (string.IsNullOrWhiteSpace(document))
        {
            return [];
        }

        try
        {
            using var parsed = JsonDocument.Parse(document.TrimStart().StartsWith('{') ? document : Uri.UnescapeDataString(document));
            var statements = parsed.RootElement.GetProperty("Statement");
            return [.. (statements.ValueKind == JsonValueKind.Array ? statements.EnumerateArray().ToList() : [statements])
                .SelectMany(s => !s.TryGetProperty("Resource", out var r) ? []
                    : r.ValueKind == JsonValueKind.String ? [r.GetString()!]
                    : r.EnumerateArray().Select(x => x.GetString()).OfType<string>())];
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return [];
        }
    }

    // Puts the inline policy allowing exactly the spec's secrets (by their ARNs), or deletes it when there are none.
    private static async Task SecretsPolicyAsync(IamRoleSpec spec, IReadOnlyList<string> readable, ApplyContext context)
    {
        var (iam, ct) = (context.Session.Iam, context.CancellationToken);
        if (readable.Order(StringComparer.Ordinal).SequenceEqual(spec.ReadableSecrets.Order(StringComparer.Ordinal), StringComparer.Ordinal))
        {
            return;
        }

        if (spec.ReadableSecrets.Count == 0)
        {
            await Converge.TolerateAsync(() => iam.DeleteRolePolicyAsync(new Iam.DeleteRolePolicyRequest { RoleName = spec.Name, PolicyName = SecretsPolicyName }, ct), "NoSuchEntity")
                .ConfigureAwait(false);
            return;
        }

        await iam.PutRolePolicyAsync(new Iam.PutRolePolicyRequest
        {
            RoleName = spec.Name,
            PolicyName = SecretsPolicyName,
            PolicyDocument = SecretsPolicy(spec.ReadableSecrets.Select(name => context.Id(SecretKind.Instance, name))),
        }, ct).ConfigureAwait(false);
    }
}
