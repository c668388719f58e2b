using System.Diagnostics;
using System.Net.Sockets;
using System.Net;
using Amazon.Runtime;
using Aspire.Deployer.Aws;

namespace Aspire.Deployer.Tests.Infrastructure;

/// <summary>
/// One moto server for the whole test run, on a random free loopback port, started on first use with the
/// settings ENVIRONMENT.md names, and killed when the test process exits. Missing moto fails the tests that need
/// it with a clear message (never a skip), so CI cannot pass without it.
/// </summary>
public sealed class MotoServer : IAsyncDisposable
{
    private static readonly Lazy<Task<MotoServer>> Shared = new(StartAsync, LazyThreadSafetyMode.ExecutionAndPublication);
    private readonly Process _process;
    private readonly ProcessOutput _log = new();

    private MotoServer(Process process, Uri endpoint)
    {
        _process = process;
        Endpoint = endpoint;
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Kill();
    }

    /// <summary>The server's base URL, e.g. http://127.0.0.1:40123/.</summary>
    public Uri Endpoint { get; }

    /// <summary>Test credentials (moto checks no signatures).</summary>
    public static AWSCredentials Credentials { get; } = new BasicAWSCredentials("testing", "testing");

    /// <summary>The shared server, started on first use.</summary>
    public static Task<MotoServer> GetAsync() => Shared.Value;

    /// <summary>Seconds after which moto turns a requested certificate ISSUED (it checks no DNS record: the proxy's
    /// <c>AcmChecksValidationRecords</c> behaviour does).</summary>
    public const int AcmValidationWaitSeconds = 1;

    /// <summary>The region every test session uses.</summary>
    public const string Region = "us-east-1";

    /// <summary>A hermetic session pointed at moto, with fast retries.</summary>
    public Task<AwsSession> SessionAsync(AwsRetryOptions? retry = null) => CreateSessionAsync(Endpoint, retry);

    /// <summary>Creates a session for any endpoint, hermetic (no process environment read).</summary>
    public static Task<AwsSession> CreateSessionAsync(Uri endpoint, AwsRetryOptions? retry = null) =>
        AwsSession.CreateAsync(new AwsSessionOptions
        {
            Region = Region,
            Credentials = Credentials,
            EndpointUrl = endpoint,
            Environment = AwsEnvironment.FromVariables([]),
            Retry = retry ?? FastRetry,
        });

    /// <summary>Retries with millisecond backoff so tests stay fast.</summary>
    public static AwsRetryOptions FastRetry { get; } = new()
    {
        MaxAttempts = 3,
        BaseDelay = TimeSpan.FromMilliseconds(5),
        MaxDelay = TimeSpan.FromMilliseconds(20),
        AttemptTimeout = TimeSpan.FromSeconds(30),
    };

    /// <summary>A name unique to this run, for isolating tests that share the server.</summary>
    public static string UniqueName(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 13, 32)];

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        Kill();
        return ValueTask.CompletedTask;
    }

    private static async Task<MotoServer> StartAsync()
    {
        var port = FreePort();
        var start = new ProcessStartInfo(Python.Executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in (string[])["-m", "moto.server", "-H", "127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture)])
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["MOTO_ECS_SERVICE_RUNNING"] = "1";
        start.Environment["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true";
        // ACM issues a DNS-validated certificate after this many seconds (default 60), so a deploy's wait is short.
        start.Environment["MOTO_ACM_VALIDATION_WAIT"] = AcmValidationWaitSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["AWS_ACCESS_KEY_ID"] = "testing";
        start.Environment["AWS_SECRET_ACCESS_KEY"] = "testing";
        start.Environment["AWS_DEFAULT_REGION"] = "us-east-1";

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("Process.Start returned null");
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            throw new InvalidOperationException(
                $"Cannot start moto server with '{Python.Executable}' ({ex.Message}). Install moto[server] 5.x in that Python " +
                "or set MOTO_PYTHON to a Python that has it (ENVIRONMENT.md).", ex);
        }

        var server = new MotoServer(process, new Uri($"http://127.0.0.1:{port}/"));
        process.OutputDataReceived += (_, e) => server.Append(e.Data);
        process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(30))
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException(
                    $"moto server exited with code {process.ExitCode} before answering. Is moto[server] 5.x installed in '{Python.Executable}'? " +
                    $"Set MOTO_PYTHON to a Python that has it. Output:{Environment.NewLine}{server.Log}");
            }

            try
            {
                using var response = await http.GetAsync(new Uri(server.Endpoint, "/moto-api/")).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                {
                    await server.AddServiceLinkedRolesAsync().ConfigureAwait(false);
                    await server.AddInternetGatewayAsync().ConfigureAwait(false);
                    return server;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                // not listening yet
            }

            await Task.Delay(100).ConfigureAwait(false);
        }

        server.Kill();
        throw new TimeoutException($"moto server did not answer GET /moto-api/ within 30 s. Output:{Environment.NewLine}{server.Log}");
    }

    /// <summary>The service principals whose service-linked roles the shared account has, as any account that ran ECS before.</summary>
    public static IReadOnlyList<string> ServiceLinkedRoles { get; } = ["ecs.amazonaws.com", "elasticloadbalancing.amazonaws.com", "ecs.application-autoscaling.amazonaws.com"];

    // Tests share one account; a fresh one (no service-linked roles) is imitated per test by FreshAccountServiceLinkedRole.
    private async Task AddServiceLinkedRolesAsync()
    {
        using var session = await SessionAsync().ConfigureAwait(false);
        foreach (var service in ServiceLinkedRoles)
        {
            await session.Iam.CreateServiceLinkedRoleAsync(new Aspire.Deployer.Aws.Iam.CreateServiceLinkedRoleRequest { AWSServiceName = service }).ConfigureAwait(false);
        }
    }

    // A real default VPC has an internet gateway and a main route table sending 0.0.0.0/0 to it (VPC User Guide,
    // "Default VPCs"); moto's has neither, so its default subnets would look private.
    private async Task AddInternetGatewayAsync()
    {
        using var ec2 = new Amazon.EC2.AmazonEC2Client(Credentials, new Amazon.EC2.AmazonEC2Config { ServiceURL = Endpoint.ToString(), AuthenticationRegion = Region });
        var vpc = (await ec2.DescribeVpcsAsync(new Amazon.EC2.Model.DescribeVpcsRequest { Filters = [new("is-default", ["true"])] }).ConfigureAwait(false)).Vpcs[0].VpcId;
        var gateway = (await ec2.CreateInternetGatewayAsync(new Amazon.EC2.Model.CreateInternetGatewayRequest()).ConfigureAwait(false)).InternetGateway.InternetGatewayId;
        await ec2.AttachInternetGatewayAsync(new Amazon.EC2.Model.AttachInternetGatewayRequest { InternetGatewayId = gateway, VpcId = vpc }).ConfigureAwait(false);
        var main = (await ec2.DescribeRouteTablesAsync(new Amazon.EC2.Model.DescribeRouteTablesRequest
        {
            Filters = [new("vpc-id", [vpc]), new("association.main", ["true"])],
        }).ConfigureAwait(false)).RouteTables[0].RouteTableId;
        await ec2.CreateRouteAsync(new Amazon.EC2.Model.CreateRouteRequest { RouteTableId = main, DestinationCidrBlock = "0.0.0.0/0", GatewayId = gateway }).ConfigureAwait(false);
    }

    private string Log => _log.ToString();

    private void Append(string? line) => _log.Append(line);

    private void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
            // already gone
        }
    }

    /// <summary>A loopback port that is free now.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
