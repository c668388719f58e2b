using Aspire.Deployer.Hosting;
using Aspire.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Aspire.Deployer.Tests.Hosting;

/// <summary>The publish-mode console format: plain lines, a step's printed failure not repeated, exceptions short unless asked.</summary>
public sealed class PlainConsoleFormatterTests
{
    private static string Format(LogLevel level, string message, Exception? exception = null, bool details = false)
    {
        var formatter = new PlainConsoleFormatter(new FixedOptions(new PlainConsoleFormatterOptions { IncludeExceptionDetails = details }));
        using var writer = new StringWriter();
        formatter.Write(new LogEntry<string>(level, "Aspire.Hosting.Publishing.PipelineExecutor", new EventId(0), message, exception, (s, _) => s), null, writer);
        return writer.ToString();
    }

    [Fact]
    public void Information_IsThePlainMessage()
    {
        Assert.Equal("Plan: 12 to create" + Environment.NewLine, Format(LogLevel.Information, "Plan: 12 to create"));
    }

    [Theory]
    [InlineData(LogLevel.Warning, "warning: ")]
    [InlineData(LogLevel.Error, "error: ")]
    [InlineData(LogLevel.Critical, "critical: ")]
    public void WarningsAndErrors_SaySoInFrontAndNeverNameTheCategory(LogLevel level, string prefix)
    {
        var text = Format(level, "something");

        Assert.Equal(prefix + "something" + Environment.NewLine, text);
        Assert.DoesNotContain("PipelineExecutor", text);
    }

    [Fact]
    public void AFailureTheStepPrinted_IsNotPrintedAgain_HoweverAspireWrapsIt()
    {
        var wrapped = new DistributedApplicationException("Pipeline execution failed", new InvalidOperationException("Step failed", new StepFailedException("Deploy")));

        Assert.Equal(string.Empty, Format(LogLevel.Error, "Step 'aws-deploy' failed.", new StepFailedException("Deploy")));
        Assert.Equal(string.Empty, Format(LogLevel.Critical, "BackgroundService failed", wrapped));
        Assert.Equal(string.Empty, Format(LogLevel.Error, "Multiple steps failed", new AggregateException(new StepFailedException("Deploy"))));
    }

    [Fact]
    public void OtherExceptions_ShowTypeAndMessage_AndTheStackTraceOnlyWhenAsked()
    {
        Exception thrown;
        try
        {
            throw new InvalidOperationException("Docker buildx is not available");
        }
        catch (InvalidOperationException e)
        {
            thrown = e;
        }

        var brief = Format(LogLevel.Error, "Step 'build-web' failed.", thrown);
        var full = Format(LogLevel.Error, "Step 'build-web' failed.", thrown, details: true);

        Assert.Contains("  InvalidOperationException: Docker buildx is not available", brief);
        Assert.DoesNotContain(" at ", brief);
        Assert.Contains(" at ", full);
    }

    private sealed class FixedOptions(PlainConsoleFormatterOptions value) : IOptionsMonitor<PlainConsoleFormatterOptions>
    {
        public PlainConsoleFormatterOptions CurrentValue => value;

        public PlainConsoleFormatterOptions Get(string? name) => value;

        public IDisposable? OnChange(Action<PlainConsoleFormatterOptions, string?> listener) => null;
    }
}
