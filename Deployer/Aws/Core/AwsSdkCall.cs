using Amazon.Runtime;

namespace Aspire.Deployer.Aws;

/// <summary>Runs calls of the served AWSSDK clients (EC2, STS) and maps their exceptions to <see cref="AwsApiException"/>.</summary>
internal static class AwsSdkCall
{
    public static TConfig Configure<TConfig>(TConfig config, AwsSession session, AwsService service)
        where TConfig : ClientConfig
    {
        // The session resolved the endpoint from its own environment (which may not be the process one), so the
        // SDK must not look again: an explicit ServiceURL when overridden, else the region's public endpoint.
        config.IgnoreConfiguredEndpointUrls = true;
        if (session.ConfiguredEndpoint(service) is { } endpoint)
        {
            config.ServiceURL = endpoint.ToString();
            config.AuthenticationRegion = session.SigningRegion(service).SystemName;
        }
        else
        {
            config.RegionEndpoint = session.Region;
        }

        config.MaxErrorRetry = Math.Max(0, session.Retry.MaxAttempts - 1);
        config.Timeout = session.Retry.AttemptTimeout;
        config.RetryMode = RequestRetryMode.Standard;
        return config;
    }

    public static async Task<T> RunAsync<T>(AwsService service, string operation, Uri endpoint, Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        var succeeded = false;
        try
        {
            var result = await call(cancellationToken).ConfigureAwait(false);
            succeeded = true;
            return result;
        }
        catch (AmazonServiceException ex) when (ex.StatusCode != 0 || !string.IsNullOrEmpty(ex.ErrorCode))
        {
            var status = ex.StatusCode == 0 ? (int?)null : (int)ex.StatusCode;
            var code = string.IsNullOrEmpty(ex.ErrorCode) ? AwsJsonProtocol.FallbackCode(status ?? 0) : ex.ErrorCode;
            throw new AwsApiException(service.DisplayName, operation, code, ex.Message, status, ex.RequestId, endpoint, innerException: ex);
        }
        catch (Exception ex) when (ex is AmazonClientException or AmazonServiceException or HttpRequestException or IOException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            var code = ex is OperationCanceledException ? AwsApiException.RequestTimeoutCode : AwsApiException.ConnectionFailureCode;
            throw new AwsApiException(service.DisplayName, operation, code, $"could not reach {endpoint}: {Innermost(ex)}", endpoint: endpoint, innerException: ex);
        }
        finally
        {
            AwsCallLog.Record(service, operation, succeeded);
        }
    }

    private static string Innermost(Exception ex)
    {
        var messages = new List<string>();
        for (var e = ex; e is not null; e = e.InnerException)
        {
            if (!string.IsNullOrWhiteSpace(e.Message) && !messages.Contains(e.Message))
            {
                messages.Add(e.Message);
            }
        }

        return string.Join(" ", messages);
    }
}
