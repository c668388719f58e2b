using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;

namespace Aspire.Deployer.Aws;

/// <summary>Who the session's credentials belong to.</summary>
/// <param name="Account">The 12-digit account id.</param>
/// <param name="Arn">The caller's ARN.</param>
/// <param name="UserId">The caller's unique id.</param>
public sealed record AwsCallerIdentity(string Account, string Arn, string UserId);

/// <summary>The STS operation the Deployer needs, on the served AWSSDK.SecurityToken package; failures are <see cref="AwsApiException"/>.</summary>
public sealed class StsClient : IDisposable
{
    private readonly AmazonSecurityTokenServiceClient _client;

    internal StsClient(AwsSession session)
    {
        Endpoint = session.ResolveEndpoint(AwsService.Sts);
        _client = new AmazonSecurityTokenServiceClient(session.Credentials, AwsSdkCall.Configure(new AmazonSecurityTokenServiceConfig(), session, AwsService.Sts));
    }

    /// <summary>The endpoint this client sends requests to.</summary>
    public Uri Endpoint { get; }

    /// <summary>GetCallerIdentity: the account and principal of the session's credentials (needs no permissions).</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The identity.</returns>
    public Task<AwsCallerIdentity> GetCallerIdentityAsync(CancellationToken cancellationToken = default) =>
        AwsSdkCall.RunAsync(AwsService.Sts, "GetCallerIdentity", Endpoint, async ct =>
        {
            var response = await _client.GetCallerIdentityAsync(new GetCallerIdentityRequest(), ct).ConfigureAwait(false);
            return new AwsCallerIdentity(response.Account, response.Arn, response.UserId);
        }, cancellationToken);

    /// <inheritdoc />
    public void Dispose() => _client.Dispose();
}
