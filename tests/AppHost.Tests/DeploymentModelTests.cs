using Aspire.Deployer.Hosting;
using Aspire.Deployer.Model;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Aspire.ServiceDefaults;

namespace AppHost.Tests;

/// <summary>What the Deployer reads from the real AppHost model when publishing.</summary>
public sealed class DeploymentModelTests
{
    private static async Task<DeploymentDescription> ReadAsync(params string[] args)
    {
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.AppHost>(
            ["--operation", "publish", "--step", AwsEcsEnvironmentResource.PlanStep, .. args]);
        return await ModelReader.ReadAsync(new DistributedApplicationModel(builder.Resources), builder.ExecutionContext,
            builder.Configuration, builder.Environment.EnvironmentName, CancellationToken.None);
    }

    [Fact]
    public async Task NodeApp_BecomesOneServiceOnPort4000CheckedOnTheContractHealthPath()
    {
        var deployment = await ReadAsync();

        var service = Assert.Single(deployment.Services);
        Assert.Equal("node-app", service.Names.Resource);
        Assert.Equal(4000, service.ContainerPort);
        Assert.Equal(4000, service.ListenerPort);
        Assert.Equal(ServiceContract.HealthPath, service.HealthCheckPath);
        Assert.Equal(FargateSize.Default, service.Size);
        // Built from its Dockerfile, not run as an existing image.
        var image = Assert.IsType<ImageSource>(service.Image);
        Assert.Null(service.ImageReference);
        Assert.EndsWith("node-app", image.ContextPath);
        Assert.EndsWith("Dockerfile", image.DockerfilePath);
    }

    [Fact]
    public async Task NodeApp_EnvironmentIsResolvedWithPortAndShutdownBoundAndNoLocalTelemetry()
    {
        var service = Assert.Single((await ReadAsync()).Services);

        Assert.Equal("4000", service.Environment[ServiceContract.PortVariable]);
        Assert.Equal("10000", service.Environment[ServiceContract.GracefulShutdownVariable]);
        Assert.DoesNotContain(service.Environment.Keys, k => k.StartsWith("OTEL_EXPORTER_OTLP_ENDPOINT", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Configuration_OverridesServiceOptionsAndInvalidSizeIsRejectedBeforeAnyCall()
    {
        var error = await Assert.ThrowsAsync<DeploymentValidationException>(() =>
            ReadAsync("--Aws:Services:node-app:Cpu=512", "--Aws:Services:node-app:MemoryMiB=512"));

        Assert.Contains(error.Problems, p => p.Contains("memory 512 MiB does not fit cpu 512"));
    }
}
