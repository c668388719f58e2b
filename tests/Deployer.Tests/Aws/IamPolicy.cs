using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Web;
using Aspire.Deployer.Tests.Infrastructure;
using Aspire.Deployer.Tests.Verbs;

namespace Aspire.Deployer.Tests.Aws;

/// <summary>
/// One AWS authorization question: may the caller do <see cref="Action"/> on <see cref="Resources"/> (none known:
/// any resource), with these condition context values (IAM's request context keys, e.g. <c>iam:PassedToService</c>)?
/// </summary>
/// <param name="Action">The IAM action, <c>service:Operation</c>.</param>
/// <param name="Resources">The ARNs the request names.</param>
/// <param name="Context">The condition keys the request sets.</param>
public sealed partial record AwsAuthorization(string Action, IReadOnlyList<string> Resources, IReadOnlyDictionary<string, string> Context)
{
    /// <summary>Shown in failures.</summary>
    public override string ToString() =>
        Action + (Resources.Count == 0 ? "" : " on " + string.Join(", ", Resources)) + string.Concat(Context.Select(c => $" [{c.Key}={c.Value}]"));

    /// <summary>
    /// What IAM would be asked for one request the proxy saw: the action from the signing scope and the operation,
    /// the resources from the names and ARNs in its parameters, and, for <c>RegisterTaskDefinition</c>, the implicit
    /// <c>iam:PassRole</c> of each role it names.
    /// </summary>
    /// <param name="request">The request.</param>
    /// <param name="account">The account moto answers as.</param>
    /// <param name="region">The region.</param>
    public static IEnumerable<AwsAuthorization> Of(CapturedRequest request, string account, string region)
    {
        ArgumentNullException.ThrowIfNull(request);
        var service = SigningService().Match(request.Headers.GetValueOrDefault("Authorization") ?? "").Groups[1].Value;
        var body = Encoding.UTF8.GetString(request.Body);
        var isJson = request.Headers.TryGetValue("X-Amz-Target", out var target) && target.Length > 0;
        var operation = ApplyTestKit.Operation(request);
        var parameters = isJson ? JsonParameters(body) : QueryParameters(body);
        var resources = new List<string>();
        var context = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in parameters)
        {
            switch (key)
            {
                case "RoleName": resources.Add($"arn:aws:iam::{account}:role/{value}"); break;
                case "repositoryName": resources.Add($"arn:aws:ecr:{region}:{account}:repository/{value}"); break;
                case "logGroupName": resources.Add($"arn:aws:logs:{region}:{account}:log-group:{value}"); break;
                case "PolicyArn": context["iam:PolicyARN"] = value; break;
                case "AWSServiceName": context["iam:AWSServiceName"] = value; break;
                case "Name" when operation == "CreateLoadBalancer": resources.Add($"arn:aws:elasticloadbalancing:{region}:{account}:loadbalancer/app/{value}/0"); break;
                case "Name" when operation == "CreateTargetGroup": resources.Add($"arn:aws:elasticloadbalancing:{region}:{account}:targetgroup/{value}/0"); break;
                case "LoadBalancerArn" or "TargetGroupArn" or "ListenerArn" or "RuleArn":
                case var arns when arns.StartsWith("ResourceArns.member.", StringComparison.Ordinal):
                    resources.Add(value);
                    break;
                case "resourceArn" when service is "ecr" or "logs": resources.Add(value.TrimEnd('*').TrimEnd(':')); break;
            }
        }

        if (service == "")
        {
            yield break; // unsigned: not an AWS API call
        }

        yield return new AwsAuthorization($"{service}:{operation}", resources, context);
        if (operation == "RegisterTaskDefinition")
        {
            foreach (var role in parameters.Where(p => p.Key is "executionRoleArn" or "taskRoleArn").Select(p => p.Value))
            {
                yield return new AwsAuthorization("iam:PassRole", [role], new Dictionary<string, string> { ["iam:PassedToService"] = "ecs-tasks.amazonaws.com" });
            }
        }
    }

    private static List<(string Key, string Value)> QueryParameters(string body)
    {
        var query = HttpUtility.ParseQueryString(body);
        return [.. query.AllKeys.OfType<string>().Select(k => (k, query[k] ?? ""))];
    }

    // Top-level string members only: the names and ARNs a call acts on.
    private static List<(string Key, string Value)> JsonParameters(string body)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            return [];
        }

        using var json = JsonDocument.Parse(body);
        return json.RootElement.ValueKind != JsonValueKind.Object ? []
            : [.. json.RootElement.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.String).Select(p => (p.Name, p.Value.GetString()!))];
    }

    [GeneratedRegex(@"Credential=[^/]+/\d{8}/[^/]+/([^/]+)/aws4_request")]
    private static partial Regex SigningService();
}

/// <summary>
/// An identity policy evaluated the way IAM evaluates Allow statements (no Deny statements are used): an action is
/// allowed when a statement names it and, if the request names resources, matches each of them, and every condition
/// of the statement holds for the request's context. A condition key this evaluator does not know fails closed.
/// </summary>
public sealed class IamPolicy(JsonElement document)
{
    /// <summary>Reads a policy document.</summary>
    public static IamPolicy Load(string path) => new(JsonDocument.Parse(File.ReadAllText(path)).RootElement.Clone());

    /// <summary>Every action the policy names.</summary>
    public IEnumerable<string> Actions => Statements.SelectMany(s => Strings(s, "Action"));

    /// <summary>The statements.</summary>
    public IReadOnlyList<JsonElement> Statements => [.. document.GetProperty("Statement").EnumerateArray()];

    /// <summary>The policy without <paramref name="action"/> (to show the check catches a missing action).</summary>
    public IamPolicy Without(string action)
    {
        var text = document.GetRawText().Replace($"\"{action}\",", "", StringComparison.Ordinal).Replace($",\n        \"{action}\"", "", StringComparison.Ordinal);
        return new IamPolicy(JsonDocument.Parse(text).RootElement.Clone());
    }

    /// <summary>Whether IAM would allow <paramref name="request"/>.</summary>
    public bool Allows(AwsAuthorization request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Statements.Any(s => Strings(s, "Effect").SequenceEqual(["Allow"])
            && Strings(s, "Action").Any(a => a.Equals(request.Action, StringComparison.OrdinalIgnoreCase))
            && request.Resources.All(r => Strings(s, "Resource").Any(pattern => Matches(pattern, r)))
            && ConditionsHold(s, request.Context));
    }

    private static bool ConditionsHold(JsonElement statement, IReadOnlyDictionary<string, string> context)
    {
        if (!statement.TryGetProperty("Condition", out var conditions))
        {
            return true;
        }

        foreach (var condition in conditions.EnumerateObject())
        {
            foreach (var key in condition.Value.EnumerateObject())
            {
                var values = key.Value.ValueKind == JsonValueKind.Array ? key.Value.EnumerateArray().Select(v => v.GetString()!).ToList() : [key.Value.GetString()!];
                if (!context.TryGetValue(key.Name, out var actual) || condition.Name is not ("StringEquals" or "ArnEquals") || !values.Contains(actual, StringComparer.Ordinal))
                {
                    return false;
                }
            }
        }

        return true;
    }

    // IAM's ARN matching: * is any run of characters (slashes included), ? one character; account and region as given.
    private static bool Matches(string pattern, string arn) =>
        Regex.IsMatch(arn, "^" + Regex.Escape(pattern).Replace(@"\*", ".*", StringComparison.Ordinal).Replace(@"\?", ".", StringComparison.Ordinal) + "$");

    private static IEnumerable<string> Strings(JsonElement element, string name) =>
        !element.TryGetProperty(name, out var value) ? []
        : value.ValueKind == JsonValueKind.Array ? value.EnumerateArray().Select(v => v.GetString()!)
        : [value.GetString()!];
}
