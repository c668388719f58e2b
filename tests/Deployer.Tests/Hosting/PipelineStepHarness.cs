using System.Collections.Concurrent;
using Aspire.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Aspire.Deployer.Tests.Hosting;

/// <summary>
/// The process-wide state an in-process pipeline step reads or sets: the standard AWS variables and the exit
/// code. Created per test, it restores them on dispose; tests using it belong to the process-environment collection.
/// </summary>
public sealed class AwsProcessEnvironment : IDisposable
{
    private static readonly string[] Variables = ["AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION", "AWS_SESSION_TOKEN", "AWS_PROFILE"];
    private readonly Dictionary<string, string?> _saved = Variables.ToDictionary(n => n, Environment.GetEnvironmentVariable);
    private readonly int _exitCode = Environment.ExitCode;

    /// <summary>Points the standard AWS variables at <paramref name="endpoint"/> with test credentials; resets the exit code.</summary>
    public static void PointAt(string endpoint)
    {
        Environment.SetEnvironmentVariable("AWS_ENDPOINT_URL", endpoint.TrimEnd('/'));
        Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", "testing");
        Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", "testing");
        Environment.SetEnvironmentVariable("AWS_SESSION_TOKEN", null);
        Environment.SetEnvironmentVariable("AWS_PROFILE", null);
        Environment.SetEnvironmentVariable("AWS_REGION", "us-east-1");
        Environment.ExitCode = 0;
    }

    public void Dispose()
    {
        foreach (var (name, value) in _saved)
        {
            Environment.SetEnvironmentVariable(name, value);
        }

        Environment.ExitCode = _exitCode;
    }
}

/// <summary>Runs an AppHost built in the test with the AWS ECS environment, as Aspire's pipeline does, and returns what it logged.</summary>
public static class PipelineStepHarness
{
    /// <summary>
    /// Builds an AppHost from <paramref name="args"/> (e.g. <c>--operation publish --step aws-deploy</c>) with the
    /// "aws" environment and the resources <paramref name="addResources"/> adds, runs it, and returns every line
    /// logged at Information or above (also written to the test output). A failed step may surface as an exception
    /// from the pipeline; it is logged as a "host:" line, and the lines and the exit code tell the rest.
    /// </summary>
    public static async Task<List<string>> RunAsync(string[] args, Action<IDistributedApplicationBuilder> addResources, TimeSpan timeout, ITestOutputHelper output)
    {
        var lines = new ConcurrentQueue<string>();
        var builder = DistributedApplication.CreateBuilder(args);
        builder.Services.AddLogging(l => l.AddProvider(new LineCollector(lines)));
        builder.AddAwsEcsEnvironment("aws");
        addResources(builder);
        await using var host = builder.Build();
        try
        {
            await host.RunAsync().WaitAsync(timeout);
        }
        catch (Exception e) when (e is not TimeoutException)
        {
            lines.Enqueue($"host: {e.GetType().Name}: {e.Message}");
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
