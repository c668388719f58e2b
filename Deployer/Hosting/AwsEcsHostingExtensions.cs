using Aspire.Deployer.Hosting;
using Aspire.Deployer.Model;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace Aspire.Hosting;

/// <summary>Adds the AWS ECS deploy target to an AppHost and sets how each resource runs there.</summary>
public static class AwsEcsHostingExtensions
{
    /// <summary>
    /// Adds the AWS ECS environment: in publish mode its pipeline steps plan, deploy, report and destroy every
    /// Dockerfile-built resource as a Fargate service behind an Application Load Balancer. Settings come from the
    /// AppHost's configuration section <c>Aws</c> (see <see cref="Aspire.Deployer.Settings.AwsSettings"/>) and the
    /// standard AWS variables (AWS_REGION, AWS_PROFILE, ...). In publish mode the console prints plain lines.
    /// </summary>
    /// <param name="builder">The application builder.</param>
    /// <param name="name">The resource name.</param>
    public static IResourceBuilder<AwsEcsEnvironmentResource> AddAwsEcsEnvironment(
        this IDistributedApplicationBuilder builder, [ResourceName] string name)
    {
        ArgumentNullException.ThrowIfNull(builder);
        // Nothing to run locally: the environment exists only for publishing and deploying.
        if (builder.ExecutionContext.IsRunMode)
        {
            return builder.CreateResourceBuilder(new AwsEcsEnvironmentResource(name));
        }

        UsePlainConsole(builder);
        return builder.AddResource(new AwsEcsEnvironmentResource(name, ConfigureParameterPrompts(builder.Configuration)));
    }

    /// <summary>
    /// Whether a person can answer a prompt for a missing parameter (the return value): the Aspire CLI is attached (it sets
    /// <c>ASPIRE_BACKCHANNEL_PATH</c>) and interactive (it sets <c>ASPIRE_INTERACTIVITY_ENABLED=false</c> with
    /// <c>--non-interactive</c>, in CI and without a terminal). Anywhere else interaction is switched off here, so
    /// nothing waits for an answer that cannot come: a plain <c>dotnet run ... --step</c> would otherwise wait forever.
    /// </summary>
    /// <param name="configuration">The AppHost's configuration.</param>
    internal static bool ConfigureParameterPrompts(IConfiguration configuration)
    {
        if (string.IsNullOrEmpty(configuration[BackchannelKey]))
        {
            configuration[InteractivityKey] = "false";
            return false;
        }

        return !string.Equals(configuration[InteractivityKey], "false", StringComparison.OrdinalIgnoreCase);
    }

    // Aspire's KnownConfigNames (internal): the CLI's backchannel socket, and the switch of its interaction service.
    private const string BackchannelKey = "ASPIRE_BACKCHANNEL_PATH";
    private const string InteractivityKey = "ASPIRE_INTERACTIVITY_ENABLED";

    /// <summary>Sets how the resource runs on ECS (CPU, memory, count, architecture, autoscaling, certificate).</summary>
    /// <param name="builder">The resource builder.</param>
    /// <param name="configure">Changes the defaults; configuration (<c>Aws:Services:&lt;name&gt;:*</c>) still overrides.</param>
    public static IResourceBuilder<T> PublishAsEcsService<T>(this IResourceBuilder<T> builder, Action<EcsServiceOptions>? configure = null)
        where T : IResource
    {
        var options = new EcsServiceOptions();
        configure?.Invoke(options);
        return builder.WithAnnotation(new EcsServiceAnnotation(options), ResourceAnnotationMutationBehavior.Replace);
    }

    // Plain lines instead of `info: Aspire.Hosting.Publishing.PipelineExecutor[0]` headers; the Aspire CLI shows the
    // steps' logs its own way (through its backchannel), so this changes only what a plain `dotnet run` prints.
    private static void UsePlainConsole(IDistributedApplicationBuilder builder)
    {
        var details = PipelineSwitches.IncludeExceptionDetails(builder.Configuration) || PipelineSwitches.IsDebug(builder.Configuration);
        builder.Services.AddLogging(logging => logging.AddConsole().AddConsoleFormatter<PlainConsoleFormatter, PlainConsoleFormatterOptions>());
        builder.Services.Configure<ConsoleLoggerOptions>(o => o.FormatterName = PlainConsoleFormatter.FormatterName);
        builder.Services.Configure<PlainConsoleFormatterOptions>(o => o.IncludeExceptionDetails |= details);
    }
}
