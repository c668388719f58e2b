using System.Collections.Concurrent;
using Aspire.Deployer.Aws;
using Aspire.Deployer.Destroy;
using Aspire.Deployer.Hosting;
using Aspire.Deployer.Tests.Infrastructure;
using Aspire.Deployer.Tests.Plan;
using Aspire.Deployer.Tests.Unit;
using Aspire.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Aspire.Deployer.Tests.Destroy;

/// <summary>
/// The aws-destroy and aws-status pipeline steps, run by Aspire's own pipeline in an in-process AppHost pointed at
/// moto through the standard AWS variables. They change process-wide environment variables, so they run alone
/// (in the process-environment collection, after the parallel tests).
/// </summary>
[Collection(nameof(ProcessEnvironmentCollection))]
public sealed class DestroyStepTests(ITestOutputHelper output) : IDisposable
{
    private static readonly string[] Variables = ["AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION", "AWS_SESSION_TOKEN", "AWS_PROFILE"];
    private readonly Dictionary<string, string?> _saved = Variables.ToDictionary(n => n, Environment.GetEnvironmentVariable);
    private readonly int _exitCode = Environment.ExitCode;

    public void Dispose()
    {
        foreach (var (name, value) in _saved)
        {
            Environment.SetEnvironmentVariable(name, value);
        }

        Environment.ExitCode = _exitCode;
    }

    [Fact]
    public async Task DestroyStep_InvalidModel_FallsBackToConfiguredNamesAndRemovesTheApp_ThenStatusSaysNothingDeployed()
    {
        // Arrange: the app deployed; a model that is not valid any more (a cpu/memory pair Fargate does not take).
        var moto = await MotoServer.GetAsync();
        var app = PlanSamples.UniqueApp();
        var deployment = DestroySamples.Deployment(app);
        using (var direct = await moto.SessionAsync())
        {
            await DestroySamples.DeployAsync(direct, deployment);
        }

        Environment.SetEnvironmentVariable("AWS_ENDPOINT_URL", moto.Endpoint.ToString().TrimEnd('/'));
        Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", "testing");
        Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", "testing");
        Environment.SetEnvironmentVariable("AWS_SESSION_TOKEN", null);
        Environment.SetEnvironmentVariable("AWS_PROFILE", null);
        Environment.SetEnvironmentVariable("AWS_REGION", "us-east-1");
        Environment.ExitCode = 0;

        // Act
        var destroy = await RunStepAsync(AwsEcsEnvironmentResource.DestroyStep, app, "--Aws:Services:web:Cpu=512", "--Aws:Services:web:MemoryMiB=512");
        var status = await RunStepAsync(AwsEcsEnvironmentResource.StatusStep, app);

        // Assert
        Assert.Equal(0, Environment.ExitCode);
        Assert.Contains(destroy, l => l.Contains("The model is not valid", StringComparison.Ordinal) && l.Contains($"app '{app}', environment 'test'", StringComparison.Ordinal));
        Assert.Contains(destroy, l => l.StartsWith($"Destroyed 13 resource(s) of app '{app}'", StringComparison.Ordinal));
        Assert.Contains(status, l => l.StartsWith($"Nothing is deployed for app '{app}', environment 'test'", StringComparison.Ordinal));
        using var check = await moto.SessionAsync();
        Assert.True((await new AppResourceFinder(check).FindAsync(AppScope.From(deployment))).IsEmpty);
    }

    [Fact]
    public async Task StatusStep_AwsUnreachable_FailsTheStepWithExitCode1AndSaysWhatToDo()
    {
        Environment.SetEnvironmentVariable("AWS_ENDPOINT_URL", $"http://127.0.0.1:{MotoServer.FreePort()}");
        Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", "testing");
        Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", "testing");
        Environment.SetEnvironmentVariable("AWS_REGION", "us-east-1");
        Environment.ExitCode = 0;

        var lines = await RunStepAsync(AwsEcsEnvironmentResource.StatusStep, PlanSamples.UniqueApp());

        Assert.Equal(1, Environment.ExitCode);
        Assert.Contains(lines, l => l.StartsWith("Status failed: ", StringComparison.Ordinal)
            && l.Contains(AwsApiException.ConnectionFailureCode, StringComparison.Ordinal)
            && l.Contains("Check the network and AWS_ENDPOINT_URL", StringComparison.Ordinal));
    }

    private async Task<List<string>> RunStepAsync(string step, string app, params string[] extra)
    {
        var lines = new ConcurrentQueue<string>();
        var builder = DistributedApplication.CreateBuilder(
            ["--operation", "publish", "--step", step, "--Aws:AppName", app, "--Aws:Environment", "test", .. extra]);
        builder.Services.AddLogging(l => l.AddProvider(new LineCollector(lines)));
        builder.AddAwsEcsEnvironment("aws");
        builder.AddDockerfile("web", Path.GetTempPath())
            .WithHttpEndpoint(port: 80, targetPort: 8080, env: "PORT")
            .PublishAsEcsService();
        await using var host = builder.Build();
        try
        {
            await host.RunAsync().WaitAsync(TimeSpan.FromSeconds(60));
        }
        catch (Exception e) when (e is not TimeoutException)
        {
            // A failed step may surface as an exception from the pipeline; the lines and the exit code tell the rest.
            output.WriteLine($"pipeline: {e.GetType().Name}: {e.Message}");
        }
        foreach (var line in lines)
        {
            output.WriteLine(line);
        }

        return [.. lines];
    }

    private sealed class LineCollector(ConcurrentQueue<string> lines) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Collector(lines);

        public void Dispose()
        {
        }

        private sealed class Collector(ConcurrentQueue<string> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                lines.Enqueue(formatter(state, exception));
        }
    }
}
