using Aspire.Deployer.Images;
using Aspire.Hosting.Pipelines;
using Microsoft.Extensions.Logging;

namespace Aspire.Deployer.Hosting;

/// <summary>
/// Progress of a pipeline step, shown twice on purpose: in the step's report (what the Aspire CLI displays) and
/// through the console logger (what plain <c>dotnet run</c> and CI logs show).
/// </summary>
internal sealed class StepProgress(PipelineStepContext context) : IDeployProgress
{
    public void Step(string title) => Say(LogLevel.Information, $"==> {title}");

    public void Info(string message) => Say(LogLevel.Information, message);

    public void Warn(string message) => Say(LogLevel.Warning, message);

    public void Error(string message) => Say(LogLevel.Error, message);

    private void Say(LogLevel level, string line)
    {
        context.ReportingStep.Log(level, line);
        context.Logger.Log(level, "{Line}", line);
    }
}
