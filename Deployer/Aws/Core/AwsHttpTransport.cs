using System.Net;
using Amazon;
using Amazon.Runtime;
using Amazon.Runtime.Signing;

namespace Aspire.Deployer.Aws;

/// <summary>A protocol-neutral request: its content type (null without a body), body, extra headers, HTTP method and,
/// for REST protocols, the path and query appended to the endpoint (null: the endpoint itself, as JSON and Query use).</summary>
internal sealed record AwsWireRequest(string? ContentType, byte[] Body, IReadOnlyDictionary<string, string> Headers, string Method = "POST", string? PathAndQuery = null);

/// <summary>A successful answer.</summary>
internal sealed record AwsWireResponse(int Status, byte[] Body, string? RequestId);

/// <summary>An error answer, decoded by the service's protocol.</summary>
internal sealed record AwsErrorInfo(string Code, string Message, string? RequestId);

/// <summary>Everything one call needs to be sent, signed and described in errors.</summary>
internal sealed record AwsCallTarget(
    AwsService Service,
    string Operation,
    Uri Endpoint,
    RegionEndpoint SigningRegion,
    AwsCallSettings Settings);

/// <summary>
/// Sends one AWS call over HTTP: SigV4-signs each attempt with AWSSDK.Core's signer, bounds each attempt with a
/// timeout, retries throttling, 5xx and transport failures with exponential backoff and full jitter, and
/// corrects a skewed local clock from the server's Date header (once per call).
/// </summary>
internal static class AwsHttpTransport
{
    private const string UserAgent = "aspire-deployer/1.0";

    private static readonly HashSet<string> ClockSkewCodes = new(StringComparer.Ordinal)
    {
        "RequestTimeTooSkewed", "RequestExpired", "InvalidSignatureException", "SignatureDoesNotMatch", "AuthFailure", "RequestInTheFuture",
    };

    public static HttpClient CreateHttpClient(AwsRetryOptions retry) =>
        new(new SocketsHttpHandler
        {
            ConnectTimeout = retry.ConnectTimeout,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            AutomaticDecompression = DecompressionMethods.All,
        })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };

    public static async Task<AwsWireResponse> SendAsync(
        HttpClient http,
        AwsCallTarget target,
        AwsWireRequest wire,
        Func<int, HttpResponseMessage, byte[], AwsErrorInfo> readError,
        CancellationToken cancellationToken)
    {
        var retry = target.Settings.Retry;
        var skewCorrected = false;
        var maxAttempts = AwsAttemptScope.IsSingleAttempt ? 1 : Math.Max(1, retry.MaxAttempts);
        for (var attempt = 1; ; attempt++)
        {
            var outcome = await AttemptAsync(http, target, wire, readError, attempt, skewCorrected, cancellationToken).ConfigureAwait(false);
            if (outcome.Response is { } response)
            {
                return response;
            }

            skewCorrected |= outcome.RetryNow;
            // A request refused only for our clock's skew was never carried out: its corrected resend is always safe
            // and not counted against the attempts.
            if (!outcome.Retryable || (attempt >= maxAttempts && !outcome.RetryNow))
            {
                throw outcome.Failure!;
            }

            var delay = outcome.RetryNow ? TimeSpan.Zero : AwsRetryPolicy.Backoff(retry, attempt);
            target.Settings.OnRetry?.Invoke(new AwsRetryEvent(target.Service.DisplayName, target.Operation, attempt, delay, outcome.Failure!));
            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
        }
    }

    // One attempt, bounded by the attempt timeout: the answer, or the failure and whether (and how soon) to try again.
    private static async Task<Outcome> AttemptAsync(
        HttpClient http, AwsCallTarget target, AwsWireRequest wire, Func<int, HttpResponseMessage, byte[], AwsErrorInfo> readError,
        int attempt, bool skewCorrected, CancellationToken cancellationToken)
    {
        var (name, retry) = (target.Service.DisplayName, target.Settings.Retry);
        using var attemptCts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        attemptCts.CancelAfter(retry.AttemptTimeout);
        try
        {
            using var message = await BuildSignedRequestAsync(target, wire, attemptCts.Token).ConfigureAwait(false);
            using var response = await http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, attemptCts.Token).ConfigureAwait(false);
            var body = await response.Content.ReadAsByteArrayAsync(attemptCts.Token).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            var requestId = RequestId(response);
            if (response.IsSuccessStatusCode)
            {
                return new Outcome(new AwsWireResponse(status, body, requestId), null, false, false);
            }

            var error = readError(status, response, body);
            var failure = new AwsApiException(name, target.Operation, error.Code, error.Message, status, error.RequestId ?? requestId, target.Endpoint, attempt);
            var skew = !skewCorrected && ClockSkewCodes.Contains(error.Code) && CorrectClock(target.Settings, response);
            return new Outcome(null, failure, skew || AwsRetryPolicy.IsRetryable(status, error.Code), skew);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (OperationCanceledException ex)
        {
            return Transient(new AwsApiException(name, target.Operation, AwsApiException.RequestTimeoutCode,
                $"{target.Endpoint} did not answer within {retry.AttemptTimeout.TotalSeconds:0.###} s.", endpoint: target.Endpoint, attempts: attempt, innerException: ex));
        }
        catch (HttpRequestException ex)
        {
            return Transient(new AwsApiException(name, target.Operation, AwsApiException.ConnectionFailureCode,
                $"could not reach {target.Endpoint}: {Describe(ex)}", endpoint: target.Endpoint, attempts: attempt, innerException: ex));
        }
        catch (IOException ex)
        {
            return Transient(new AwsApiException(name, target.Operation, AwsApiException.ConnectionFailureCode,
                $"the connection to {target.Endpoint} failed: {ex.Message}", endpoint: target.Endpoint, attempts: attempt, innerException: ex));
        }
        catch (AmazonClientException ex)
        {
            // Raised by the signer when credentials cannot be refreshed (expired SSO session, revoked role).
            throw new AwsApiException(name, target.Operation, "CredentialsError",
                $"could not get AWS credentials to sign the request: {ex.Message}", endpoint: target.Endpoint, attempts: attempt, innerException: ex);
        }

        static Outcome Transient(AwsApiException failure) => new(null, failure, true, false);
    }

    private sealed record Outcome(AwsWireResponse? Response, AwsApiException? Failure, bool Retryable, bool RetryNow);

    /// <summary>Adopts the server's clock when it is more than 4 minutes from ours (SigV4 allows 5).</summary>
    private static bool CorrectClock(AwsCallSettings settings, HttpResponseMessage response)
    {
        if (response.Headers.Date is not { } serverTime)
        {
            return false;
        }

        var offset = serverTime.UtcDateTime - DateTime.UtcNow;
        if ((offset - settings.ClockOffset).Duration() < TimeSpan.FromMinutes(4))
        {
            return false;
        }

        settings.ClockOffset = offset;
        return true;
    }

    private static string Describe(HttpRequestException ex) =>
        ex.InnerException is { } inner && !string.IsNullOrEmpty(inner.Message) ? $"{ex.Message} {inner.Message}" : ex.Message;

    private static string? RequestId(HttpResponseMessage response)
    {
        foreach (var header in (string[])["x-amzn-RequestId", "x-amz-request-id"])
        {
            if (response.Headers.TryGetValues(header, out var values))
            {
                return values.FirstOrDefault();
            }
        }

        return null;
    }

    private static async Task<HttpRequestMessage> BuildSignedRequestAsync(AwsCallTarget target, AwsWireRequest wire, CancellationToken cancellationToken)
    {
        var method = new HttpMethod(wire.Method);
        var uri = wire.PathAndQuery is null ? target.Endpoint : new Uri(target.Endpoint, wire.PathAndQuery);
        var signing = new AWSSigningRequest { HttpMethod = method, RequestUri = uri, Content = wire.Body };
        if (wire.ContentType is not null)
        {
            signing.Headers["Content-Type"] = wire.ContentType;
        }

        foreach (var (key, value) in wire.Headers)
        {
            signing.Headers[key] = value;
        }

        var parameters = new AWSSigV4Parameters
        {
            Credentials = target.Settings.Credentials,
            Region = target.SigningRegion,
            Service = target.Service.SigningName,
            SignedAt = target.Settings.SigningTime,
        };
        var signed = await AWSSigV4Signer.SignAsync(signing, parameters, cancellationToken).ConfigureAwait(false);

        var message = new HttpRequestMessage(method, uri);
        if (wire.Body.Length > 0 || method == HttpMethod.Post)
        {
            message.Content = new ByteArrayContent(wire.Body);
            if (wire.ContentType is not null)
            {
                message.Content.Headers.TryAddWithoutValidation("Content-Type", wire.ContentType);
            }
        }

        foreach (var (key, value) in wire.Headers)
        {
            message.Headers.TryAddWithoutValidation(key, value);
        }

        foreach (var (key, value) in signed.Headers)
        {
            message.Headers.TryAddWithoutValidation(key, value);
        }

        message.Headers.TryAddWithoutValidation("User-Agent", UserAgent);
        return message;
    }
}
