using System.Diagnostics;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;

namespace AppHost.Tests;

/// <summary>Stopping the AppHost stops node-app too: no node process is left behind.</summary>
public sealed class ShutdownTests
{
    [Fact]
    public async Task StoppingAppHost_LeavesNoNodeProcessBehind()
    {
        using var otlp = new OtlpReceiver();
        var app = await NodeAppFixture.StartAsync(otlp.Endpoint);
        int pid;
        try
        {
            var snapshot = app.Services.GetRequiredService<ResourceNotificationService>()
                .TryGetCurrentState(NodeAppFixture.ResourceName, out var e) ? e.Snapshot : null;
            var pidProperty = snapshot?.Properties.SingleOrDefault(p => p.Name == "executable.pid")?.Value;
            pid = Convert.ToInt32(pidProperty, System.Globalization.CultureInfo.InvariantCulture);
            Assert.Contains("node", Process.GetProcessById(pid).ProcessName);
        }
        finally
        {
            await app.StopAsync().WaitAsync(TimeSpan.FromSeconds(60));
            await app.DisposeAsync();
        }

        // The orchestrator signals node and waits for its graceful exit; allow the shutdown bound and some slack.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (IsRunning(pid) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        Assert.False(IsRunning(pid), $"node-app (pid {pid}) is still running after the AppHost stopped");
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
