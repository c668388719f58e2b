using System.Diagnostics;
using Aspire.Deployer.Hosting;
using Aspire.Deployer.Model;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;

namespace Aspire.Deployer.Tests.Hosting;

/// <summary>
/// What the model reader makes of whole Aspire models in publish mode (real Aspire builders, no AWS): parameters,
/// secrets, references, plain container images, workers, and everything it does not deploy or refuses, each with
/// the reason. Every read is bounded: a value that would never come is an error, not a hang.
/// </summary>
public sealed class ModelReaderTests
{
    private const string Secret = "s3cr3t-value-of-the-test";

    [Fact]
    public async Task Parameters_PlainBecomeEnvironmentValues_SecretOnesSecretsManagerSecretsReadByTheirServices()
    {
        var deployment = await ReadAsync(builder =>
        {
            var greeting = builder.AddParameter("greeting");
            var apiKey = builder.AddParameter("api-key", secret: true);
            Api(builder).WithEnvironment("GREETING", greeting).WithEnvironment("API_KEY", apiKey);
        }, "--Parameters:greeting=hello", $"--Parameters:api-key={Secret}");

        var api = Assert.Single(deployment.Services);
        Assert.Equal("hello", api.Environment["GREETING"]);
        Assert.DoesNotContain("API_KEY", api.Environment.Keys);
        Assert.DoesNotContain(api.Environment.Values, v => v.Contains(Secret, StringComparison.Ordinal));
        Assert.Equal("shop/test/parameters/api-key", api.Secrets["API_KEY"]);
        var secret = Assert.Single(deployment.Secrets);
        Assert.Equal(("shop/test/parameters/api-key", "parameter api-key"), (secret.Name, secret.Source));
        Assert.Equal(["api"], secret.ReadBy);
        Assert.Equal(Secret, deployment.ValueOf(secret).Reveal());
        Assert.Equal("(secret)", deployment.ValueOf(secret).ToString());
        Assert.Contains(deployment.NotDeployed, r => r.Name == "greeting" && r.Reason.Contains("plain environment value of GREETING of api", StringComparison.Ordinal));
        Assert.Contains(deployment.NotDeployed, r => r.Name == "api-key" && r.Reason.Contains("Secrets Manager (shop/test/parameters/api-key)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Reference_IsTheVariableAspireInjects_HoldingTheServiceConnectAddress_AndNeverWaitsForAnAllocation()
    {
        // Aspire never allocates an endpoint in publish mode: awaiting the reference's value would never complete.
        var clock = Stopwatch.StartNew();
        var deployment = await ReadAsync(builder =>
        {
            var api = Api(builder);
            Web(builder).WithReference(api.GetEndpoint("http"));
        });

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"the read took {clock.Elapsed}");
        var (web, api) = (deployment.Services.Single(s => s.Names.Resource == "web"), deployment.Services.Single(s => s.Names.Resource == "api"));
        Assert.Equal("http://api:8080", web.Environment["services__api__http__0"]);
        Assert.Equal("http://api:8080", web.Environment["API_HTTP"]);
        Assert.Equal(["api"], web.Calls);
        Assert.True(web.IsLoadBalanced);
        Assert.False(api.IsExternal);
        Assert.False(api.IsLoadBalanced);
        Assert.Equal([new ServicePort("http", "http", 8080)], api.Ports);
        Assert.True(deployment.IsCalled(api));
        Assert.True(deployment.UsesServiceConnect(web));
    }

    [Fact]
    public async Task Redis_RunsItsImageAsItIs_WithItsGeneratedPasswordAndTheApisConnectionStringInSecretsManager()
    {
        var deployment = await ReadAsync(builder => Api(builder).WithReference(builder.AddRedis("cache")));

        var (cache, api) = (deployment.Services.Single(s => s.Names.Resource == "cache"), deployment.Services.Single(s => s.Names.Resource == "api"));
        Assert.Equal(("docker.io/library/redis:8.6", false), (cache.ImageReference, cache.IsBuilt));
        Assert.Equal(["/bin/sh"], cache.EntryPoint);
        Assert.Equal(["-c", "redis-server --requirepass $REDIS_PASSWORD"], cache.Command);
        Assert.Equal("shop/test/parameters/cache-password", cache.Secrets["REDIS_PASSWORD"]);
        Assert.Empty(cache.Environment);
        Assert.Equal([new ServicePort("tcp", "redis", 6379)], cache.Ports);
        Assert.False(cache.ReadOnlyRootFilesystem);
        Assert.True(deployment.Parameters["cache-password"].Generated);

        var password = deployment.Parameters["cache-password"].Value.Reveal();
        Assert.Equal("shop/test/parameters/cache-password", api.Secrets["CACHE_PASSWORD"]);
        var connection = deployment.Secrets.Single(s => s.Name == api.Secrets["ConnectionStrings__cache"]);
        Assert.Equal("shop/test/variables/api/ConnectionStrings__cache", connection.Name);
        Assert.Equal($"cache:6379,password={password}", deployment.ValueOf(connection).Reveal());
        Assert.Equal($"redis://:{Uri.EscapeDataString(password)}@cache:6379", deployment.ValueOf(deployment.Secrets.Single(s => s.Name == api.Secrets["CACHE_URI"])).Reveal());
        Assert.Equal(("cache", "6379"), (api.Environment["CACHE_HOST"], api.Environment["CACHE_PORT"]));
        Assert.DoesNotContain(deployment.Services.SelectMany(s => s.Environment.Values), v => v.Contains(password, StringComparison.Ordinal));
        Assert.Equal(["cache"], api.Calls);
        Assert.Contains(deployment.Warnings, w => w.StartsWith("cache runs the image docker.io/library/redis:8.6", StringComparison.Ordinal) && w.Contains("Amazon ElastiCache", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Worker_WithoutAnEndpoint_HasNoPortAndNoLoadBalancer()
    {
        var deployment = await ReadAsync(builder => builder.AddDockerfile("worker", Path.GetTempPath()).PublishAsEcsService());

        var worker = Assert.Single(deployment.Services);
        Assert.Equal((0, false), (worker.ContainerPort, worker.IsLoadBalanced));
        Assert.Empty(worker.Ports);
        Assert.True(worker.IsBuilt);
    }

    [Fact]
    public async Task NothingIsSkippedInSilence_EveryResourceIsDeployedOrListedWithTheReason()
    {
        IDistributedApplicationBuilder? model = null;
        var deployment = await ReadAsync(builder =>
        {
            model = builder;
            builder.AddParameter("unused");
            builder.AddContainer("local-only", "busybox").ExcludeFromManifest();
            Api(builder);
        }, "--Parameters:unused=x");

        var listed = deployment.Services.Select(s => s.Names.Resource).Concat(deployment.NotDeployed.Select(r => r.Name)).ToList();
        Assert.All(model!.Resources, r => Assert.Contains(r.Name, listed));
        Assert.Contains(deployment.NotDeployed, r => r.Name == "aws" && r.Reason.Contains("the AWS ECS environment itself", StringComparison.Ordinal));
        Assert.Contains(deployment.NotDeployed, r => r.Name == "unused" && r.Reason == "a parameter no deployed service uses");
        Assert.Contains(deployment.NotDeployed, r => r.Name == "local-only" && r.Reason.Contains("ExcludeFromManifest", StringComparison.Ordinal));
    }

    [Fact]
    public async Task VolumeBackedContainer_IsRefusedWithTheReasonAndTheWayOut()
    {
        var problems = await ProblemsAsync(builder => Api(builder).WithReference(builder.AddRedis("cache").WithDataVolume()));

        var problem = Assert.Single(problems, p => p.StartsWith("cache: ", StringComparison.Ordinal));
        Assert.Contains("has a volume at /data", problem);
        Assert.Contains("Amazon ElastiCache", problem);
        Assert.Contains("AddConnectionString", problem);
    }

    [Fact]
    public async Task MissingParameter_IsAnErrorNamingItWhatUsesItAndWhereToSetIt()
    {
        var problems = await ProblemsAsync(builder => Api(builder).WithEnvironment("GREETING", builder.AddParameter("greeting")));

        var problem = Assert.Single(problems);
        Assert.StartsWith("Parameter 'greeting' (used as GREETING of api) has no value.", problem);
        Assert.Contains("Parameters:greeting", problem);
        Assert.Contains("Parameters__greeting", problem);
    }

    [Fact]
    public async Task ValueThatNeverComes_IsAnErrorNamingTheResourceTheVariableAndWhy_WithinItsBound()
    {
        var clock = Stopwatch.StartNew();
        var problems = await ProblemsAsync(builder => Api(builder).WithEnvironment(context => context.EnvironmentVariables["SLOW"] = new NeverProvider()));

        Assert.True(clock.Elapsed < ServiceReader.CallbackBound + TimeSpan.FromSeconds(15), $"the read took {clock.Elapsed}");
        var problem = Assert.Single(problems);
        Assert.StartsWith("api: environment variable SLOW cannot be deployed: its value (NeverProvider) was not given within 10 s", problem);
    }

    [Fact]
    public async Task ReferenceToAResourceThatIsNotDeployed_IsAnErrorSayingWhy()
    {
        var problems = await ProblemsAsync(builder =>
        {
            var local = builder.AddContainer("local-only", "busybox").WithHttpEndpoint(targetPort: 80).ExcludeFromManifest();
            Api(builder).WithReference(local.GetEndpoint("http"));
        });

        Assert.Contains(problems, p => p.StartsWith("api: environment variable services__local-only__http__0 cannot be deployed: it names endpoint 'http' of local-only, which is not deployed: excluded from publishing", StringComparison.Ordinal));
    }

    [Fact]
    public async Task SecretInTheCommandLine_AndAnExecutableWithoutADockerfile_AreRefused()
    {
        var problems = await ProblemsAsync(builder =>
        {
            builder.AddContainer("tool", "busybox").WithArgs(builder.AddParameter("token", secret: true));
            builder.AddExecutable("script", "node", Path.GetTempPath(), "script.js");
        }, "--Parameters:token=t0ken");

        Assert.Contains(problems, p => p.StartsWith("tool: argument 1 of tool comes from a secret", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("script: an executable runs only on this machine; call PublishAsDockerFile()", StringComparison.Ordinal));
        Assert.DoesNotContain(problems, p => p.Contains("t0ken", StringComparison.Ordinal));
    }

    [Fact]
    public void DeployableResourceNames_AreTheContainerResources_BuiltOrNot()
    {
        var builder = Builder();
        Api(builder).WithReference(builder.AddRedis("cache"));
        builder.AddParameter("p");

        Assert.Equal(["api", "cache"], ModelReader.DeployableResourceNames(new DistributedApplicationModel(builder.Resources)).Order());
    }

    private static IResourceBuilder<ContainerResource> Api(IDistributedApplicationBuilder builder) =>
        builder.AddDockerfile("api", Path.GetTempPath()).WithHttpEndpoint(targetPort: 8080, env: "PORT").PublishAsEcsService();

    private static IResourceBuilder<ContainerResource> Web(IDistributedApplicationBuilder builder) =>
        builder.AddDockerfile("web", Path.GetTempPath()).WithHttpEndpoint(port: 4000, targetPort: 4000, env: "PORT").WithExternalHttpEndpoints().PublishAsEcsService();

    private static IDistributedApplicationBuilder Builder(params string[] args)
    {
        var builder = DistributedApplication.CreateBuilder(["--operation", "publish", "--Aws:AppName", "shop", "--Aws:Environment", "test", .. args]);
        builder.AddAwsEcsEnvironment("aws");
        return builder;
    }

    private static Task<DeploymentDescription> ReadAsync(Action<IDistributedApplicationBuilder> model, params string[] args)
    {
        var builder = Builder(args);
        model(builder);
        return ModelReader.ReadAsync(new DistributedApplicationModel(builder.Resources), builder.ExecutionContext, builder.Configuration,
            builder.Environment.EnvironmentName, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60));
    }

    private static async Task<IReadOnlyList<string>> ProblemsAsync(Action<IDistributedApplicationBuilder> model, params string[] args) =>
        (await Assert.ThrowsAsync<DeploymentValidationException>(() => ReadAsync(model, args))).Problems;

    // A value provider that never gives its value (as an endpoint's in publish mode).
    private sealed class NeverProvider : IValueProvider
    {
        public ValueTask<string?> GetValueAsync(CancellationToken cancellationToken = default) => new(new TaskCompletionSource<string?>().Task);
    }
}
