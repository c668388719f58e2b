namespace Aspire.Deployer.Aws;

/// <summary>
/// The one exception every AWS failure surfaces as: an error answer from a service, a throttled or failed call
/// after its bounded retries, an endpoint that does not answer, or missing credentials or region.
/// </summary>
public sealed class AwsApiException : Exception
{
    /// <summary>The <see cref="ErrorCode"/> when no AWS credentials could be found.</summary>
    public const string NoCredentialsCode = "NoCredentials";

    /// <summary>The <see cref="ErrorCode"/> when no AWS region is configured.</summary>
    public const string NoRegionCode = "NoRegion";

    /// <summary>The <see cref="ErrorCode"/> when the endpoint could not be reached (connection refused, DNS, TLS).</summary>
    public const string ConnectionFailureCode = "ConnectionFailure";

    /// <summary>The <see cref="ErrorCode"/> when an attempt got no answer within its timeout.</summary>
    public const string RequestTimeoutCode = "RequestTimeout";

    /// <summary>Creates the exception.</summary>
    /// <param name="service">The service's display name, e.g. <c>ECS</c>.</param>
    /// <param name="operation">The operation, e.g. <c>CreateService</c>.</param>
    /// <param name="errorCode">The AWS error code, e.g. <c>ClusterNotFoundException</c>.</param>
    /// <param name="awsMessage">The error message AWS (or the client) gave.</param>
    /// <param name="httpStatus">The HTTP status, when a response arrived.</param>
    /// <param name="requestId">The AWS request id, when a response carried one.</param>
    /// <param name="endpoint">The endpoint that was called.</param>
    /// <param name="attempts">How many attempts were made.</param>
    /// <param name="innerException">The underlying exception, if any.</param>
    public AwsApiException(
        string service,
        string operation,
        string errorCode,
        string awsMessage,
        int? httpStatus = null,
        string? requestId = null,
        Uri? endpoint = null,
        int attempts = 1,
        Exception? innerException = null)
        : base(Format(service, operation, errorCode, awsMessage, httpStatus, requestId, attempts), innerException)
    {
        Service = service;
        Operation = operation;
        ErrorCode = errorCode;
        AwsMessage = awsMessage;
        HttpStatus = httpStatus;
        RequestId = requestId;
        Endpoint = endpoint;
        Attempts = attempts;
    }

    /// <summary>The service's display name, e.g. <c>ECS</c> or <c>ELBv2</c>.</summary>
    public string Service { get; }

    /// <summary>The operation that failed, e.g. <c>CreateService</c>.</summary>
    public string Operation { get; }

    /// <summary>The AWS error code (e.g. <c>ClusterNotFoundException</c>, <c>NoSuchEntity</c>), or one of this type's
    /// client-side codes (<see cref="ConnectionFailureCode"/>, <see cref="RequestTimeoutCode"/>, ...).</summary>
    public string ErrorCode { get; }

    /// <summary>The error message as AWS gave it, without the context this exception's <see cref="Exception.Message"/> adds.</summary>
    public string AwsMessage { get; }

    /// <summary>The HTTP status of the last response, or null when none arrived.</summary>
    public int? HttpStatus { get; }

    /// <summary>The AWS request id of the last response, when it carried one.</summary>
    public string? RequestId { get; }

    /// <summary>The endpoint that was called, when the failure happened on a call.</summary>
    public Uri? Endpoint { get; }

    /// <summary>How many attempts were made before giving up.</summary>
    public int Attempts { get; }

    /// <summary>True when AWS refused the call for throttling (after the retries ran out).</summary>
    public bool IsThrottling => AwsRetryPolicy.IsThrottlingCode(ErrorCode);

    /// <summary>True when another attempt may succeed: throttling, 5xx, a timeout or a failed connection.</summary>
    public bool IsTransient =>
        ErrorCode is RequestTimeoutCode or ConnectionFailureCode || AwsRetryPolicy.IsRetryable(HttpStatus ?? 0, ErrorCode);

    private static string Format(string service, string operation, string code, string message, int? status, string? requestId, int attempts)
    {
        var text = $"{service} {operation} failed: {code}: {message}";
        var details = new List<string>();
        if (status is not null)
        {
            details.Add($"HTTP {status}");
        }

        if (!string.IsNullOrEmpty(requestId))
        {
            details.Add($"request id {requestId}");
        }

        if (attempts > 1)
        {
            details.Add($"{attempts} attempts");
        }

        if (details.Count > 0)
        {
            text += $" ({string.Join(", ", details)})";
        }

        return text;
    }
}
