using System.Collections.Concurrent;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AppHost.Tests;

/// <summary>A node older than package.json's engines.node stops node-app before it starts, saying why.</summary>
public sealed class NodeRequirementTests : IDisposable
{
    private readonly DirectoryInfo _bin = Directory.CreateTempSubdirectory("old-node-");
    private readonly string? _path = Environment.GetEnvironmentVariable("PATH");

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // The fake node is a shell script.
    public async Task TooOldNode_FailsToStartAndTheAppHostLogSaysWhy()
    {
        // A `node` that reports 18.19.0, first on PATH (tests run one at a time, so changing PATH here is safe).
        var fake = Path.Combine(_bin.FullName, "node");
        File.WriteAllText(fake, "#!/bin/sh\necho v18.19.0\n");
        File.SetUnixFileMode(fake, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        Environment.SetEnvironmentVariable("PATH", $"{_bin.FullName}:{_path}");
        var log = new CollectingLoggerProvider();

        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.AppHost>();
        builder.Services.AddLogging(logging => logging.AddProvider(log));
        await using var app = await builder.BuildAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await app.StartAsync(cts.Token);
        var state = await app.Services.GetRequiredService<ResourceNotificationService>().WaitForResourceAsync(
            NodeAppFixture.ResourceName, e => KnownResourceStates.TerminalStates.Contains(e.Snapshot.State?.Text), cts.Token);

        Assert.Equal(KnownResourceStates.FailedToStart, state.Snapshot.State?.Text);
        Assert.Contains(log.Lines, l => l.Contains("node-app cannot start: Node.js 18.19.0 does not satisfy this app's engines.node \">=20.11\"", StringComparison.Ordinal));
    }

    public void Dispose()
    {
        Environment.SetEnvironmentVariable("PATH", _path);
        _bin.Delete(recursive: true);
    }

    private sealed class CollectingLoggerProvider : ILoggerProvider, ILogger
    {
        public ConcurrentQueue<string> Lines { get; } = new();

        public ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Lines.Enqueue(formatter(state, exception));

        public void Dispose()
        {
        }
    }
}
