using Aspire.Deployer.Hosting;
using Aspire.Hosting;
using Aspire.Hosting.Pipelines;
using Microsoft.Extensions.Configuration;

namespace Aspire.Deployer.Tests.Hosting;

/// <summary>
/// Who asks for a missing parameter value: only the Aspire CLI on a terminal (its <c>process-parameters</c> step,
/// which the steps reading the model then depend on). Anywhere else Aspire's interaction is switched off, so nothing
/// waits for an answer nobody can give, and a missing value is reported (see <see cref="ModelReaderTests"/>).
/// </summary>
public sealed class ParameterPromptTests
{
    [Theory]
    [InlineData(null, null, false)]
    [InlineData("/tmp/aspire-cli.sock", null, true)]
    [InlineData("/tmp/aspire-cli.sock", "false", false)]
    [InlineData("/tmp/aspire-cli.sock", "False", false)]
    public void Prompts_OnlyUnderAnInteractiveAspireCli(string? backchannel, string? interactivity, bool prompts)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ASPIRE_BACKCHANNEL_PATH"] = backchannel,
            ["ASPIRE_INTERACTIVITY_ENABLED"] = interactivity,
        }).Build();

        Assert.Equal(prompts, AwsEcsHostingExtensions.ConfigureParameterPrompts(configuration));
        if (backchannel is null)
        {
            // Without the CLI nobody can answer: Aspire's interaction service is switched off for the whole run.
            Assert.Equal("false", configuration["ASPIRE_INTERACTIVITY_ENABLED"]);
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task StepsThatReadTheModel_RunAfterProcessParameters_OnlyWhenSomeoneCanBeAsked(bool prompts)
    {
        var environment = new AwsEcsEnvironmentResource("aws", prompts);
        var annotation = environment.Annotations.OfType<PipelineStepAnnotation>().Single();

        var steps = (await annotation.CreateStepsAsync(null!)).ToDictionary(s => s.Name);

        foreach (var step in new[] { AwsEcsEnvironmentResource.PlanStep, AwsEcsEnvironmentResource.ImagesStep })
        {
            Assert.Equal(prompts, steps[step].DependsOnSteps.Contains(WellKnownPipelineSteps.DeployPrereq));
        }

        Assert.Equal([AwsEcsEnvironmentResource.ImagesStep], steps[AwsEcsEnvironmentResource.DeployStep].DependsOnSteps);
    }
}
