using System.Text.RegularExpressions;

namespace Aspire.Deployer.Model;

/// <summary>
/// The names of everything deployed for one resource of one app in one environment. Names are derived, never
/// stored: a rerun after a crash finds what an earlier run made by computing the same names (and tags).
/// </summary>
/// <param name="App">The application name (lowercase letters, digits, hyphens).</param>
/// <param name="Environment">The environment name, e.g. "production".</param>
/// <param name="Resource">The Aspire resource name, e.g. "node-app".</param>
public sealed partial record AwsNames(string App, string Environment, string Resource)
{
    /// <summary>The tag keys every made resource carries, so destroy can find exactly what belongs to it.</summary>
    public static class TagKeys
    {
        /// <summary>The application name.</summary>
        public const string App = "aspire:app";

        /// <summary>The environment name.</summary>
        public const string Environment = "aspire:environment";

        /// <summary>The Aspire resource name.</summary>
        public const string Resource = "aspire:resource";

        /// <summary>Marks a resource as made by this tool.</summary>
        public const string ManagedBy = "aspire:managed-by";
    }

    /// <summary>The value of <see cref="TagKeys.ManagedBy"/>.</summary>
    public const string ManagedByValue = "aspire-ecs-deployer";

    private string Stack => StackOf(App, Environment);

    /// <summary>The prefix of every per-app name: <c>{app}-{environment}</c> (cluster, load balancer, services, roles, ...).</summary>
    /// <param name="app">The application name.</param>
    /// <param name="environment">The environment name.</param>
    public static string StackOf(string app, string environment) => $"{app}-{environment}";

    /// <summary>The prefix of the app's ECR repositories: <c>{app}/{environment}/</c>.</summary>
    /// <param name="app">The application name.</param>
    /// <param name="environment">The environment name.</param>
    public static string RepositoryPrefix(string app, string environment) => $"{app}/{environment}/";

    /// <summary>The prefix of the app's log groups: <c>/ecs/{app}/{environment}/</c>.</summary>
    /// <param name="app">The application name.</param>
    /// <param name="environment">The environment name.</param>
    public static string LogGroupPrefix(string app, string environment) => $"/ecs/{app}/{environment}/";

    /// <summary>The prefix of the app's Secrets Manager secrets: <c>{app}/{environment}/</c>.</summary>
    /// <param name="app">The application name.</param>
    /// <param name="environment">The environment name.</param>
    public static string SecretPrefix(string app, string environment) => $"{app}/{environment}/";

    /// <summary>The secret of a secret parameter, shared by the services that read it: <c>{app}/{environment}/parameters/{parameter}</c>.</summary>
    /// <param name="app">The application name.</param>
    /// <param name="environment">The environment name.</param>
    /// <param name="parameter">The parameter's name in the AppHost.</param>
    public static string ParameterSecret(string app, string environment, string parameter) => $"{SecretPrefix(app, environment)}parameters/{parameter}";

    /// <summary>The secret of one service's variable whose value embeds a secret (a connection string with a password):
    /// <c>{app}/{environment}/variables/{resource}/{variable}</c>.</summary>
    /// <param name="app">The application name.</param>
    /// <param name="environment">The environment name.</param>
    /// <param name="resource">The service's resource name.</param>
    /// <param name="variable">The environment variable.</param>
    public static string VariableSecret(string app, string environment, string resource, string variable) =>
        $"{SecretPrefix(app, environment)}variables/{resource}/{variable}";

    /// <summary>The tags of what the app's services share (and what destroy requires): app, environment and managed-by.</summary>
    /// <param name="app">The application name.</param>
    /// <param name="environment">The environment name.</param>
    public static IReadOnlyDictionary<string, string> SharedTagsOf(string app, string environment) => new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [TagKeys.App] = app,
        [TagKeys.Environment] = environment,
        [TagKeys.ManagedBy] = ManagedByValue,
    };

    /// <summary>The tags of resources the app's services share: app, environment and managed-by, no resource.</summary>
    public IReadOnlyDictionary<string, string> SharedTags => SharedTagsOf(App, Environment);

    /// <summary>ECS cluster, one per app and environment.</summary>
    public string Cluster => Stack;

    /// <summary>ECS service.</summary>
    public string Service => $"{Stack}-{Resource}";

    /// <summary>Task definition family.</summary>
    public string TaskFamily => $"{Stack}-{Resource}";

    /// <summary>The Cloud Map namespace ECS Service Connect names the services in, one per app and environment.</summary>
    public string Namespace => Stack;

    /// <summary>The name other services reach this one by over Service Connect (its client alias): the resource name.</summary>
    public string ServiceConnectName => Resource;

    /// <summary>Application Load Balancer, one per app and environment (at most 32 characters).</summary>
    public string LoadBalancer => Stack;

    /// <summary>The stem of the service's target group names (at most 32 characters, checked by <see cref="Problems"/>).</summary>
    public string TargetGroup => $"{Stack}-{Resource}";

    /// <summary>
    /// The target group of the service for these settings: the stem (cut to 26 characters) and a short hash of what AWS
    /// cannot change in place (protocol, port, VPC, target type). A change of any of them gives a new name, so the new
    /// group is made beside the old one and the switch-over is create-before-destroy.
    /// </summary>
    /// <param name="protocol">The protocol to the targets.</param>
    /// <param name="port">The container port.</param>
    /// <param name="vpcId">The VPC.</param>
    /// <param name="targetType">The target type.</param>
    public string TargetGroupFor(string protocol, int port, string vpcId, string targetType)
    {
        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(
            System.Text.Encoding.UTF8.GetBytes($"{TargetGroup}|{protocol}|{port.ToString(System.Globalization.CultureInfo.InvariantCulture)}|{vpcId}|{targetType}")))[..5];
        return $"{TargetGroup[..Math.Min(TargetGroup.Length, 26)].TrimEnd('-')}-{hash}";
    }

    /// <summary>ECR repository.</summary>
    public string Repository => RepositoryPrefix(App, Environment) + Resource;

    /// <summary>CloudWatch log group.</summary>
    public string LogGroup => LogGroupPrefix(App, Environment) + Resource;

    // IAM is global while everything else here is regional: the region in a role's name keeps the same app and
    // environment deployed in two regions from sharing roles, so destroying one cannot delete the other's.

    /// <summary>IAM role ECS uses to pull the image and write logs, in <paramref name="region"/>.</summary>
    /// <param name="region">The region the service runs in, e.g. "eu-west-1".</param>
    public string ExecutionRole(string region) => $"{Stack}-{Resource}{ExecutionRoleSuffix(region)}";

    /// <summary>IAM role the app's code runs as (no policies by default), in <paramref name="region"/>.</summary>
    /// <param name="region">The region the service runs in, e.g. "eu-west-1".</param>
    public string TaskRole(string region) => $"{Stack}-{Resource}{TaskRoleSuffix(region)}";

    /// <summary>How the name of every execution role in <paramref name="region"/> ends (destroy finds roles by it).</summary>
    /// <param name="region">The region, e.g. "eu-west-1".</param>
    public static string ExecutionRoleSuffix(string region) => $"-{region}-execution";

    /// <summary>How the name of every task role in <paramref name="region"/> ends (destroy finds roles by it).</summary>
    /// <param name="region">The region, e.g. "eu-west-1".</param>
    public static string TaskRoleSuffix(string region) => $"-{region}-task";

    /// <summary>Security group of the load balancer.</summary>
    public string LoadBalancerSecurityGroup => $"{Stack}-alb";

    /// <summary>Security group of the service's tasks.</summary>
    public string ServiceSecurityGroup => $"{Stack}-{Resource}-service";

    /// <summary>The tags every resource made for this resource carries.</summary>
    public IReadOnlyDictionary<string, string> Tags => new Dictionary<string, string>
    {
        [TagKeys.App] = App,
        [TagKeys.Environment] = Environment,
        [TagKeys.Resource] = Resource,
        [TagKeys.ManagedBy] = ManagedByValue,
    };

    /// <summary>Every way these names break AWS's rules, each with the fix; empty when all are valid.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        Check(problems, "app name", App, "Aws:AppName");
        Check(problems, "environment name", Environment, "Aws:Environment");
        Check(problems, "resource name", Resource, "the resource's name in the AppHost");
        if (problems.Count > 0)
        {
            return problems;
        }

        Limit(problems, "load balancer name", LoadBalancer, 32);
        Limit(problems, "target group name", TargetGroup, 32);
        // IAM role names (64) need no check of their own: {target group}-{region}-execution is at most
        // 32 + 1 + 15 (the longest region name) + 10 = 58 characters.
        return problems;

        void Limit(List<string> found, string what, string value, int max)
        {
            if (value.Length > max)
            {
                found.Add($"The {what} '{value}' has {value.Length} characters; AWS allows {max}. " +
                          $"Shorten the app name (Aws:AppName), the environment name or the resource name by {value.Length - max}.");
            }
        }
    }

    private static void Check(List<string> problems, string what, string value, string setting)
    {
        if (!NamePart().IsMatch(value))
        {
            problems.Add($"The {what} '{value}' is not usable in AWS names: use lowercase letters, digits and single " +
                         $"hyphens, starting with a letter and not ending with a hyphen (set {setting}).");
        }
    }

    [GeneratedRegex("^[a-z](?:[a-z0-9]|-(?=[a-z0-9]))*$")]
    private static partial Regex NamePart();
}
