using Aspire.Deployer.Model;
using Aspire.ServiceDefaults;

namespace Aspire.Deployer.Tests.Resources;

/// <summary>
/// A whole model as the model reader describes it: "web" (public, calls api), "api" (internal, reads a secret
/// parameter and a connection string with the Redis password, calls cache), "cache" (the Redis image as it is, its
/// password generated) and "worker" (no endpoint).
/// </summary>
internal static class WholeModelSamples
{
    public const string ApiKey = "api-key-value-0001";
    public const string RedisPassword = "generated-redis-password";

    public static DeploymentDescription Deployment(string app = "shop", string apiKey = ApiKey, string redisPassword = RedisPassword, bool redisGenerated = true)
    {
        ServiceDescription Built(string resource, int port, bool external, Dictionary<string, string> environment) =>
            new(new AwsNames(app, "test", resource), new ImageSource($"/src/{resource}", $"/src/{resource}/Dockerfile", new Dictionary<string, string>()),
                port, port, ServiceContract.HealthPath, environment, FargateSize.Default, new EcsServiceOptions()) { IsExternal = external };

        var web = Built("web", 4000, true, new() { ["PORT"] = "4000", ["services__api__http__0"] = "http://api:8080", ["API_HTTP"] = "http://api:8080" }) with { Calls = ["api"] };
        var api = Built("api", 8080, false, new() { ["PORT"] = "8080", ["CACHE_HOST"] = "cache" }) with
        {
            Calls = ["cache"],
            Secrets = new Dictionary<string, string>
            {
                ["API_KEY"] = AwsNames.ParameterSecret(app, "test", "api-key"),
                ["ConnectionStrings__cache"] = AwsNames.VariableSecret(app, "test", "api", "ConnectionStrings__cache"),
            },
        };
        var cache = new ServiceDescription(new AwsNames(app, "test", "cache"), null, 0, 0, ServiceContract.HealthPath, new Dictionary<string, string>(), FargateSize.Default,
            new EcsServiceOptions())
        {
            ImageReference = "docker.io/library/redis:8.6",
            IsExternal = false,
            Ports = [new ServicePort("tcp", "redis", 6379)],
            Secrets = new Dictionary<string, string> { ["REDIS_PASSWORD"] = AwsNames.ParameterSecret(app, "test", "cache-password") },
            EntryPoint = ["/bin/sh"],
            Command = ["-c", "redis-server --requirepass $REDIS_PASSWORD"],
        };
        var worker = Built("worker", 0, false, new() { ["QUEUE"] = "jobs" });
        return new DeploymentDescription(app, "test", [web, api, cache, worker])
        {
            Secrets =
            [
                new SecretDescription(AwsNames.ParameterSecret(app, "test", "api-key"), null, [SecretPart.Of("api-key")], ["api"], "parameter api-key"),
                new SecretDescription(AwsNames.ParameterSecret(app, "test", "cache-password"), null, [SecretPart.Of("cache-password")], ["cache"], "parameter cache-password"),
                new SecretDescription(AwsNames.VariableSecret(app, "test", "api", "ConnectionStrings__cache"), "api",
                    [SecretPart.Literal("cache:6379,password="), SecretPart.Of("cache-password")], ["api"], "ConnectionStrings__cache of api"),
            ],
            Parameters = new Dictionary<string, ParameterValue>
            {
                ["api-key"] = new("api-key", new SecretValue(apiKey), Secret: true, Generated: false),
                ["cache-password"] = new("cache-password", new SecretValue(redisPassword), Secret: true, Generated: redisGenerated),
            },
        };
    }

    /// <summary>Image references for the built services (the existing image of "cache" is used as it is).</summary>
    public static Dictionary<string, string> Images(DeploymentDescription deployment) =>
        deployment.Services.Where(s => s.IsBuilt).ToDictionary(s => s.Names.Resource,
            s => $"123456789012.dkr.ecr.us-east-1.amazonaws.com/{s.Names.Repository}@sha256:{new string('a', 64)}");
}
