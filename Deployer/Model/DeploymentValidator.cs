using System.Text.RegularExpressions;
using Aspire.ServiceDefaults;

namespace Aspire.Deployer.Model;

/// <summary>
/// Checks a deployment against the rules AWS enforces only when it is called (and the local emulator not at all),
/// so a bad value fails the deploy before the first mutating call, with the fix in the message.
/// </summary>
public static partial class DeploymentValidator
{
    // CloudWatch Logs accepts only these retention periods.
    private static readonly int[] RetentionDays =
        [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

    // Security Hub ECS.8: credentials must never be plain environment variables of a task definition.
    private static readonly string[] CredentialVariables = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "ECS_ENGINE_AUTH_DATA"];

    /// <summary>Throws <see cref="DeploymentValidationException"/> listing every problem, if there is any.</summary>
    public static void EnsureValid(DeploymentDescription deployment)
    {
        var problems = Problems(deployment);
        if (problems.Count > 0)
        {
            throw new DeploymentValidationException(problems);
        }
    }

    /// <summary>Every problem of the deployment; empty when it can be deployed.</summary>
    public static IReadOnlyList<string> Problems(DeploymentDescription deployment)
    {
        var problems = new List<string>();
        if (deployment.Services.Count == 0)
        {
            problems.Add("Nothing to deploy: no resource in the AppHost is published as an ECS service " +
                         "(call PublishAsDockerFile() on it, or add a Dockerfile-based resource).");
        }

        foreach (var service in deployment.Services)
        {
            problems.AddRange(Problems(service).Select(p => $"{service.Names.Resource}: {p}"));
        }

        problems.AddRange(FrontDoor.Problems(deployment));
        // With a front door every service is reached on 443 by host and path: their own ports do not matter.
        foreach (var clash in deployment.FrontDoor is null ? deployment.Services.Where(s => s.IsLoadBalanced).GroupBy(s => s.ListenerPort).Where(g => g.Count() > 1) : [])
        {
            problems.Add($"Listener port {clash.Key} is used by {string.Join(" and ", clash.Select(s => s.Names.Resource))}; " +
                         "they share one load balancer, so give each a different public port.");
        }

        problems.AddRange(ReferenceProblems(deployment));
        return problems;
    }

    private static IEnumerable<string> Problems(ServiceDescription service) =>
        service.Names.Problems().Concat(ShapeProblems(service)).Concat(PortProblems(service)).Concat(OptionProblems(service.Options)).Concat(EnvironmentProblems(service));

    private static IEnumerable<string> ShapeProblems(ServiceDescription service)
    {
        if (service.Size.Problem() is { } size)
        {
            yield return $"Invalid Fargate size: {size}";
        }

        if (service.Image is null && string.IsNullOrWhiteSpace(service.ImageReference))
        {
            yield return "Neither a Dockerfile to build nor an image to run: give the resource a Dockerfile (PublishAsDockerFile) or an image (WithImage).";
        }

        if (service.ContainerPort != 0 && !IsPort(service.ContainerPort))
        {
            yield return $"Container port {service.ContainerPort} is not a port (1-65535): set the endpoint's targetPort.";
        }

        if (service.IsLoadBalanced && !IsPort(service.ListenerPort))
        {
            yield return $"Public port {service.ListenerPort} is not a port (1-65535): set the endpoint's port.";
        }

        if (service.ContainerPort != 0 && (!service.HealthCheckPath.StartsWith('/') || service.HealthCheckPath.Length > 1024))
        {
            yield return $"Health check path '{service.HealthCheckPath}' must start with '/' and have at most 1024 characters.";
        }
    }

    // Each endpoint becomes a named port mapping (and, when referenced, a Service Connect service).
    private static IEnumerable<string> PortProblems(ServiceDescription service)
    {
        foreach (var port in service.Ports)
        {
            if (!PortName().IsMatch(port.Name))
            {
                yield return $"Endpoint name '{port.Name}' cannot name an ECS port mapping: use lowercase letters, digits, '-' and '_' (at most 64, not starting with '-').";
            }

            if (!IsPort(port.ContainerPort) && port.ContainerPort != service.ContainerPort)
            {
                yield return $"Endpoint '{port.Name}' has container port {port.ContainerPort}, which is not a port (1-65535): set its targetPort.";
            }
        }

        foreach (var clash in service.Ports.GroupBy(p => p.ContainerPort).Where(g => g.Count() > 1))
        {
            yield return $"Endpoints {string.Join(" and ", clash.Select(p => p.Name))} share container port {clash.Key}: give each its own targetPort.";
        }
    }

    private static IEnumerable<string> ReferenceProblems(DeploymentDescription deployment)
    {
        var byName = deployment.Services.ToDictionary(s => s.Names.Resource, StringComparer.Ordinal);
        foreach (var service in deployment.Services)
        {
            foreach (var callee in service.Calls)
            {
                if (!byName.TryGetValue(callee, out var target))
                {
                    yield return $"{service.Names.Resource}: references {callee}, which is not deployed; deploy it too or remove the reference.";
                }
                else if (target.Ports.Count == 0)
                {
                    yield return $"{service.Names.Resource}: references {callee}, which has no endpoint to call; declare one on it (WithHttpEndpoint or WithEndpoint).";
                }
            }
        }
    }

    private static IEnumerable<string> OptionProblems(EcsServiceOptions options)
    {
        if (options.DesiredCount is < 0 or > 1000)
        {
            yield return $"Desired count {options.DesiredCount} must be from 0 to 1000.";
        }

        if (options.AutoScaling is { } scaling)
        {
            if (scaling.MinCount < 0 || scaling.MaxCount < scaling.MinCount || scaling.MaxCount > 1000)
            {
                yield return $"Autoscaling min {scaling.MinCount} / max {scaling.MaxCount}: need 0 <= min <= max <= 1000.";
            }

            if (scaling.TargetCpuPercent is < 1 or > 100)
            {
                yield return $"Autoscaling target CPU {scaling.TargetCpuPercent} % must be from 1 to 100.";
            }
        }

        if (options.CertificateArn is { } arn && !CertificateArn().IsMatch(arn))
        {
            yield return $"Certificate '{arn}' is not an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>).";
        }

        if (options.HealthCheckGracePeriodSeconds is < 0 or > 2_147_483_647)
        {
            yield return $"Health check grace period {options.HealthCheckGracePeriodSeconds} s must not be negative.";
        }

        if (!RetentionDays.Contains(options.LogRetentionDays))
        {
            yield return $"Log retention {options.LogRetentionDays} days is not one CloudWatch offers; use one of {string.Join(", ", RetentionDays)}.";
        }
    }

    private static IEnumerable<string> EnvironmentProblems(ServiceDescription service)
    {
        foreach (var name in service.Environment.Keys.Intersect(service.Secrets.Keys, StringComparer.Ordinal))
        {
            yield return $"Environment variable {name} is set both as a plain value and from a secret; set it once.";
        }


        // The drain bound sets the target group's deregistration delay and must end before ECS's SIGKILL.
        if (service.Environment.TryGetValue(ServiceContract.GracefulShutdownVariable, out var drain))
        {
            if (RolloutTimings.DrainBound(service) is not { } bound)
            {
                yield return $"{ServiceContract.GracefulShutdownVariable} is '{drain}', not a whole number of milliseconds.";
            }
            else if (bound >= ServiceContract.StopTimeout)
            {
                yield return $"{ServiceContract.GracefulShutdownVariable} {drain} ms is not below ECS's stop timeout of {ServiceContract.StopTimeout.TotalSeconds:0} s: " +
                             "ECS would kill the app before it finishes draining. Lower it.";
            }
        }

        foreach (var name in service.Environment.Keys.Concat(service.Secrets.Keys))
        {
            if (!EnvironmentName().IsMatch(name))
            {
                yield return $"Environment variable name '{name}' is not valid (letters, digits, '_' and '-', not starting with a digit).";
            }
            else if (CredentialVariables.Contains(name, StringComparer.OrdinalIgnoreCase) && !service.Secrets.ContainsKey(name))
            {
                yield return $"Environment variable {name} would put credentials in the task definition in plain text; " +
                             "give the task role the permissions instead.";
            }
        }
    }

    private static bool IsPort(int port) => port is >= 1 and <= 65535;

    [GeneratedRegex(@"^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate/[A-Za-z0-9-]+$")]
    private static partial Regex CertificateArn();

    // Hyphens too: Aspire's own names keep them (services__node-app__http__0, ConnectionStrings__my-db).
    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_-]*$")]
    private static partial Regex EnvironmentName();

    [GeneratedRegex("^[a-z0-9_][a-z0-9_-]{0,63}$")]
    private static partial Regex PortName();
}
