using Aspire.Deployer.Model;
using Aspire.Deployer.Tests.Aws;
using Aspire.Deployer.Tests.Infrastructure;
using Aspire.Deployer.Tests.Resources;
using Xunit.Abstractions;

namespace Aspire.Deployer.Tests.Hosting;

/// <summary>
/// <c>aws-logs</c> as a user runs it: the real AppHost under <c>dotnet run</c>, following node-app's log group in moto,
/// shows the lines written before and while it runs, each once, and Ctrl+C (SIGINT to the process group, as a terminal
/// sends it) ends it cleanly: exit code 0, no error line. Heavy processes: the collection that runs alone.
/// </summary>
[Collection(nameof(ProcessEnvironmentCollection))]
public sealed class LogsStepTests(ITestOutputHelper output)
{
    [Fact]
    public async Task LogsStep_Follow_ShowsEachLineOnce_AndEndsCleanlyOnCtrlC()
    {
        var moto = await MotoServer.GetAsync();
        var names = new AwsNames(PlanSamples.UniqueApp(), "test", "node-app");
        var stream = LogEvents.Stream("node-app", "node-app", "5f4e3d2c1b0a99887766554433221100");
        using var aws = await moto.SessionAsync();
        await LogEvents.WriteAsync(aws, names.LogGroup, stream, DateTimeOffset.UtcNow.AddMinutes(-1),
            """{"time":"t","level":"info","msg":"listening","port":4000}""", """{"time":"t","level":"info","msg":"request","method":"GET","path":"/health","status":200}""");

        using var command = RunningCommand.StartPublishStep("aws-logs", ["--Aws:AppName", names.App, "--Aws:Environment", "test", "--Aws:LogsFollow=true"],
            CommandLine.AwsEnvironment(moto.Endpoint));
        try
        {
            await command.WaitForLineAsync(l => l.EndsWith("INFO  request method=GET path=/health status=200", StringComparison.Ordinal), TimeSpan.FromMinutes(2));
            await LogEvents.WriteAsync(aws, names.LogGroup, stream, DateTimeOffset.UtcNow, """{"time":"t","level":"warn","msg":"slow request","durationMs":1200}""");
            await command.WaitForLineAsync(l => l.EndsWith("WARN  slow request durationMs=1200", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
            await Task.Delay(TimeSpan.FromSeconds(3)); // more polls over the same lines
            command.Interrupt();
            var exit = await command.WaitForExitAsync(TimeSpan.FromSeconds(60));

            var lines = command.Lines;
            Assert.Equal(0, exit);
            Assert.Equal(1, lines.Count(l => l.EndsWith("INFO  listening port=4000", StringComparison.Ordinal)));
            Assert.Equal(1, lines.Count(l => l.EndsWith("INFO  request method=GET path=/health status=200", StringComparison.Ordinal)));
            Assert.Equal(1, lines.Count(l => l.EndsWith("WARN  slow request durationMs=1200", StringComparison.Ordinal)));
            Assert.Contains("Stopped following (3 line(s) shown).", lines);
            Assert.DoesNotContain(lines, l => l.StartsWith("error:", StringComparison.Ordinal) || l.Contains("Exception", StringComparison.Ordinal));
        }
        finally
        {
            foreach (var line in command.Lines)
            {
                output.WriteLine(line);
            }
        }
    }
}
