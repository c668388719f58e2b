using Aspire.Deployer.Images;
using Aspire.Deployer.Reporting;
using Aspire.Hosting.Pipelines;
using Microsoft.Extensions.Logging;

namespace Aspire.Deployer.Hosting;

/// <summary>
/// Progress of a pipeline step, through the step's logger: plain <c>dotnet run</c> and CI logs print it, and the
/// Aspire CLI shows it under the step (writing to the step's report as well would show every line twice there).
/// </summary>
internal sealed class StepProgress(PipelineStepContext context) : IDeployProgress
{
    public void Step(string title) => Say(LogLevel.Information, $"==> {title}");

    public void Info(string message) => Say(LogLevel.Information, message);

    public void Warn(string message) => Say(LogLevel.Warning, message);

    public void Error(string message) => Say(LogLevel.Error, message);

    private void Say(LogLevel level, string line) => context.Logger.Log(level, "{Line}", line);
}
