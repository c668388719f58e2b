using System.Collections.Concurrent;
using System.Text;
using System.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Aspire.Deployer.Tests.Infrastructure;

/// <summary>What the proxy does with one call.</summary>
public enum Fault
{
    /// <summary>Forward to the upstream.</summary>
    None,

    /// <summary>Answer HTTP 400 ThrottlingException (JSON) / Throttling (Query XML).</summary>
    Throttle,

    /// <summary>Answer HTTP 503.</summary>
    ServiceUnavailable,

    /// <summary>Answer HTTP 400 InvalidSignatureException (JSON) with a Date header one hour ahead, as AWS does for a skewed clock.</summary>
    ClockSkew,

    /// <summary>Answer HTTP 400 DependencyViolation in EC2's Query XML (what DeleteSecurityGroup gives while network interfaces still use the group).</summary>
    DependencyViolation,

    /// <summary>Forward the call, so AWS acts on it, then answer HTTP 503 instead of its response: a timeout or dropped connection after the fact.</summary>
    LostResponse,
}

/// <summary>One call seen by the proxy: the operation and how many calls of it came before, plus one.</summary>
/// <param name="Operation">From X-Amz-Target (JSON) or Action (Query).</param>
/// <param name="Attempt">1 for the first call of this operation, 2 for the second, ...</param>
/// <param name="IsJson">True for awsJson requests.</param>
public sealed record ProxyCall(string Operation, int Attempt, bool IsJson);

/// <summary>A request as it reached the proxy (for checking signatures).</summary>
/// <param name="Method">The HTTP method.</param>
/// <param name="Url">The URL the client used.</param>
/// <param name="Headers">The headers, one value each.</param>
/// <param name="Body">The body.</param>
public sealed record CapturedRequest(string Method, string Url, IReadOnlyDictionary<string, string> Headers, byte[] Body);

/// <summary>
/// A small HTTP proxy in front of moto that answers chosen calls with throttling or 503 errors (or loses the
/// response of a call moto did carry out), forwards the rest, and counts calls per operation, so tests can prove
/// retries, their bounds and what a retried create finds.
/// </summary>
public sealed class FaultProxy : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly HttpClient _upstreamClient = new() { Timeout = TimeSpan.FromSeconds(30) };
    private readonly ConcurrentDictionary<string, int> _calls = new(StringComparer.Ordinal);
    private readonly Uri _upstream;

    private FaultProxy(WebApplication app, Uri upstream)
    {
        _app = app;
        _upstream = upstream;
    }

    /// <summary>The proxy's base URL.</summary>
    public Uri Endpoint { get; private set; } = null!;

    /// <summary>Decides the fault for each call; forwards everything by default.</summary>
    public Func<ProxyCall, Fault> Decide { get; set; } = _ => Fault.None;

    /// <summary>How far ahead the proxy's clock pretends to be for <see cref="Fault.ClockSkew"/>.</summary>
    public static TimeSpan SkewedBy { get; } = TimeSpan.FromHours(1);

    /// <summary>AWS behaviours the proxy imitates where moto differs; consulted in order, before and after moto answers.</summary>
    public List<IAwsBehaviour> Behaviours { get; } = [];

    /// <summary>Every request that arrived, in order.</summary>
    public ConcurrentQueue<CapturedRequest> Captured { get; } = new();

    /// <summary>How many calls of an operation arrived (faulted or forwarded).</summary>
    public int CallsTo(string operation) => _calls.GetValueOrDefault(operation);

    /// <summary>Starts a proxy to <paramref name="upstream"/> on a random loopback port.</summary>
    public static async Task<FaultProxy> StartAsync(Uri upstream)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var proxy = new FaultProxy(app, upstream);
        app.Run(proxy.HandleAsync);
        await app.StartAsync().ConfigureAwait(false);
        var address = app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        proxy.Endpoint = new Uri(address.EndsWith('/') ? address : address + "/");
        return proxy;
    }

    /// <summary>Faults the first <paramref name="count"/> calls of every operation, then forwards.</summary>
    public static Func<ProxyCall, Fault> FirstCalls(int count, Fault fault) => call => call.Attempt <= count ? fault : Fault.None;

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        _upstreamClient.Dispose();
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, context.RequestAborted).ConfigureAwait(false);
        var body = buffer.ToArray();
        var target = context.Request.Headers["X-Amz-Target"].ToString();
        var isJson = target.Length > 0;
        var operation = isJson
            ? target[(target.LastIndexOf('.') + 1)..]
            : HttpUtility.ParseQueryString(Encoding.UTF8.GetString(body))["Action"]
                ?? RestOperations.Of(context.Request.Method, context.Request.Path.Value ?? "") ?? "(unknown)";
        Captured.Enqueue(new CapturedRequest(
            context.Request.Method,
            $"{context.Request.Scheme}://{context.Request.Host}{context.Request.Path}{context.Request.QueryString}",
            context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase),
            body));
        var attempt = _calls.AddOrUpdate(operation, 1, (_, n) => n + 1);
        var requestId = $"proxy-{operation}-{attempt}";

        var fault = Decide(new ProxyCall(operation, attempt, isJson));
        var request = new ProxyRequest(operation, isJson, body);
        if (fault == Fault.None && Behaviours.Select(b => b.Before(request)).FirstOrDefault(a => a is not null) is { } early)
        {
            await WriteAsync(context, early, requestId).ConfigureAwait(false);
            return;
        }

        Task UnavailableAsync()
        {
            context.Response.StatusCode = 503;
            context.Response.Headers["x-amzn-RequestId"] = requestId;
            return context.Response.WriteAsync("Service Unavailable");
        }
        switch (fault)
        {
            case Fault.Throttle when isJson:
                context.Response.StatusCode = 400;
                context.Response.ContentType = "application/x-amz-json-1.1";
                context.Response.Headers["x-amzn-RequestId"] = requestId;
                await context.Response.WriteAsync("""{"__type":"ThrottlingException","message":"Rate exceeded"}""").ConfigureAwait(false);
                return;
            case Fault.Throttle:
                context.Response.StatusCode = 400;
                context.Response.ContentType = "text/xml";
                await context.Response.WriteAsync(
                    $"""<ErrorResponse xmlns="http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/"><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>{requestId}</RequestId></ErrorResponse>""").ConfigureAwait(false);
                return;
            case Fault.ClockSkew:
                context.Response.StatusCode = 400;
                context.Response.ContentType = "application/x-amz-json-1.1";
                context.Response.Headers.Date = DateTimeOffset.UtcNow.Add(SkewedBy).ToString("R");
                await context.Response.WriteAsync("""{"__type":"InvalidSignatureException","message":"Signature expired: the request time is more than 5 minutes from the server time"}""").ConfigureAwait(false);
                return;
            case Fault.DependencyViolation:
                context.Response.StatusCode = 400;
                context.Response.ContentType = "text/xml";
                await context.Response.WriteAsync(
                    $"""<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>DependencyViolation</Code><Message>resource has a dependent object</Message></Error></Errors><RequestID>{requestId}</RequestID></Response>""").ConfigureAwait(false);
                return;
            case Fault.ServiceUnavailable:
                await UnavailableAsync().ConfigureAwait(false);
                return;
        }

        using var forward = new HttpRequestMessage(new HttpMethod(context.Request.Method), new Uri(_upstream, context.Request.Path + context.Request.QueryString))
        {
            Content = new ByteArrayContent(body),
        };
        foreach (var header in context.Request.Headers)
        {
            if (header.Key.Equals("Host", StringComparison.OrdinalIgnoreCase) || header.Key.StartsWith("Content-", StringComparison.OrdinalIgnoreCase))
            {
                if (header.Key.Equals("Content-Type", StringComparison.OrdinalIgnoreCase))
                {
                    forward.Content.Headers.TryAddWithoutValidation(header.Key, header.Value.ToArray());
                }

                continue;
            }

            forward.Headers.TryAddWithoutValidation(header.Key, header.Value.ToArray());
        }

        using var response = await _upstreamClient.SendAsync(forward, context.RequestAborted).ConfigureAwait(false);
        if (fault == Fault.LostResponse)
        {
            await UnavailableAsync().ConfigureAwait(false);
            return;
        }

        var answer = await response.Content.ReadAsByteArrayAsync(context.RequestAborted).ConfigureAwait(false);
        if (Behaviours.Select(b => b.After(request, (int)response.StatusCode, answer)).FirstOrDefault(a => a is not null) is { } changed)
        {
            await WriteAsync(context, changed, requestId).ConfigureAwait(false);
            return;
        }

        context.Response.StatusCode = (int)response.StatusCode;
        foreach (var header in response.Headers.Concat(response.Content.Headers))
        {
            if (!header.Key.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase) && !header.Key.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                context.Response.Headers[header.Key] = header.Value.ToArray();
            }
        }

        await context.Response.Body.WriteAsync(answer, context.RequestAborted).ConfigureAwait(false);
    }

    private static async Task WriteAsync(HttpContext context, AwsAnswer answer, string requestId)
    {
        context.Response.StatusCode = answer.Status;
        context.Response.ContentType = answer.ContentType;
        context.Response.Headers["x-amzn-RequestId"] = requestId;
        await context.Response.WriteAsync(answer.Body).ConfigureAwait(false);
    }
}
