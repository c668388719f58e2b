using Aspire.Deployer.Tests.Aws;
using Aspire.Deployer.Tests.Infrastructure;
using Aspire.Deployer.Tests.Resources;
using Xunit.Abstractions;

namespace Aspire.Deployer.Tests.Hosting;

/// <summary>
/// The real AppHost run the way the README says, without the Aspire CLI (<c>dotnet run --project AppHost -- --operation
/// publish --step ...</c>): plain lines, a failure printed once without a stack trace, exit code 1. Heavy processes, so
/// they run in the collection that runs alone.
/// </summary>
[Collection(nameof(ProcessEnvironmentCollection))]
public sealed class AppHostCommandTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task DeployStep_InvalidCpu_PrintsTheProblemOnceWithoutAStackTraceAndExitsOne_BeforeAnyAwsCall()
    {
        var moto = await MotoServer.GetAsync();
        await using var proxy = await FaultProxy.StartAsync(moto.Endpoint);

        var result = await CommandLine.PublishStepAsync("aws-deploy", ["--Aws:AppName", PlanSamples.UniqueApp(), "--Aws:Services:node-app:Cpu=300"],
            CommandLine.AwsEnvironment(proxy.Endpoint), Timeout, output);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(1, result.LinesWith("cpu 300 is not a Fargate size"));
        Assert.Equal(1, result.LinesWith("Deploy failed: the deployment is not valid; nothing was changed."));
        Assert.Empty(result.StackFrames);
        Assert.Empty(result.CategoryHeaders);
        Assert.Empty(proxy.Captured);
    }

    [Fact]
    public async Task DeployStep_MistypedKey_IsRefusedNamingTheClosestKeyOnce()
    {
        var moto = await MotoServer.GetAsync();
        await using var proxy = await FaultProxy.StartAsync(moto.Endpoint);

        var result = await CommandLine.PublishStepAsync("aws-deploy", ["--Aws:AppName", PlanSamples.UniqueApp(), "--Aws:Servces:node-app:Cpu=512"],
            CommandLine.AwsEnvironment(proxy.Endpoint), Timeout, output);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(1, result.LinesWith("Did you mean Aws:Services:node-app:Cpu?"));
        Assert.Empty(result.StackFrames);
        Assert.Empty(proxy.Captured);
    }

    [Fact]
    public async Task DeployStep_ExceptionDetailsAsked_ShowTheStackTrace()
    {
        var moto = await MotoServer.GetAsync();

        var result = await CommandLine.PublishStepAsync("aws-deploy",
            ["--Aws:AppName", PlanSamples.UniqueApp(), "--Aws:Services:node-app:Cpu=300", "--include-exception-details", "true"],
            CommandLine.AwsEnvironment(moto.Endpoint), Timeout, output);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(1, result.LinesWith("Deploy failed: the deployment is not valid"));
        Assert.Contains(result.StackFrames, l => l.Contains("Aspire.Deployer.Hosting.ModelReader.ReadAsync", StringComparison.Ordinal));
    }

    [Fact]
    public async Task PlanStep_PrintsPlainLinesWithoutLoggerCategories()
    {
        var moto = await MotoServer.GetAsync();

        var result = await CommandLine.PublishStepAsync("aws-plan", ["--Aws:AppName", PlanSamples.UniqueApp()], CommandLine.AwsEnvironment(moto.Endpoint), Timeout, output);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains(result.Lines, l => l.StartsWith("Plan: 12 to create", StringComparison.Ordinal));
        Assert.Contains(result.Lines, l => l.StartsWith("Aspire AppHost version", StringComparison.Ordinal));
        // The default deployment's monthly cost is the README's hand-computed figure, within 10 %.
        var printed = result.Lines.Single(l => l.StartsWith("Cost (us-east-1, list prices): about $", StringComparison.Ordinal));
        var planned = decimal.Parse(printed.Split('$')[1].Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
        var readme = File.ReadAllText(Path.Combine(Images.Infrastructure.TestEnvironment.RepoRoot, "README.md"));
        var figure = decimal.Parse(System.Text.RegularExpressions.Regex.Match(readme, @"cost of the default deployment, checked within 10 % against the plan by [^:]+: \$([0-9.]+)").Groups[1].Value,
            System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(planned, figure * 0.9m, figure * 1.1m);
        Assert.Contains(result.Lines, l => l.StartsWith("Predicted rollout: about ", StringComparison.Ordinal));
        Assert.Empty(result.CategoryHeaders);
        Assert.DoesNotContain(result.Lines, l => l.Contains("PipelineExecutor", StringComparison.Ordinal));
    }
}
