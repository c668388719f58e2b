using Aspire.Deployer.Reporting;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Aspire.Deployer.Aws;
using Aspire.Deployer.Aws.Ecr;
using Aspire.Deployer.Model;
using Aspire.Deployer.Resources;

namespace Aspire.Deployer.Images;

/// <summary>A push target: prepares the repository, says whether a tag is already there, and logs docker in.</summary>
internal interface IImageRegistry
{
    /// <summary>Makes sure the repository exists as configured; returns its full name (host/path).</summary>
    Task<string> PrepareAsync(ServiceDescription service, CancellationToken cancellationToken);

    /// <summary>The manifest digest of the tag in the repository, or null when the tag is not there.</summary>
    Task<string?> FindDigestAsync(string repository, string tag, CancellationToken cancellationToken);

    /// <summary>The server to log in to and the credentials, or null when no login is needed.</summary>
    Task<(string Server, RegistryCredentials Credentials)?> LoginAsync(string repository, CancellationToken cancellationToken);
}

/// <summary>
/// ECR: the repository is ensured with scan on push, immutable tags and the resource's tags (existing repositories
/// are converged to these settings), tags are looked up with DescribeImages, and docker logs in with
/// GetAuthorizationToken.
/// </summary>
internal sealed class EcrImageRegistry(EcrClient ecr, IDeployProgress progress) : IImageRegistry
{
    public async Task<string> PrepareAsync(ServiceDescription service, CancellationToken cancellationToken)
    {
        var name = service.Names.Repository;
        var wantedTags = service.Names.Tags.Select(t => new Tag { Key = t.Key, Value = t.Value }).ToList();
        var repository = await DescribeAsync(name, cancellationToken).ConfigureAwait(false);
        if (repository is null)
        {
            try
            {
                repository = (await ecr.CreateRepositoryAsync(new CreateRepositoryRequest
                {
                    RepositoryName = name,
                    ImageScanningConfiguration = new ImageScanningConfiguration { ScanOnPush = true },
                    ImageTagMutability = ImageTagMutability.Immutable,
                    Tags = wantedTags,
                }, cancellationToken).ConfigureAwait(false)).Repository;
                await ecr.PutLifecyclePolicyAsync(new PutLifecyclePolicyRequest { RepositoryName = name, LifecyclePolicyText = EcrLifecyclePolicy.Text }, cancellationToken)
                    .ConfigureAwait(false);
                progress.Info($"Created ECR repository {name} (scan on push, immutable tags, {EcrLifecyclePolicy.Describe(EcrLifecyclePolicy.Text)}).");
                return repository?.RepositoryUri ?? throw new AwsApiException("ECR", "CreateRepository", "MissingRepositoryUri", $"no repositoryUri returned for {name}");
            }
            catch (AwsApiException ex) when (ex.ErrorCode == "RepositoryAlreadyExistsException")
            {
                repository = await DescribeAsync(name, cancellationToken).ConfigureAwait(false)
                    ?? throw new AwsApiException("ECR", "DescribeRepositories", "RepositoryNotFoundException", $"{name} exists and does not", innerException: ex);
            }
        }

        if (repository.ImageScanningConfiguration?.ScanOnPush != true)
        {
            await ecr.PutImageScanningConfigurationAsync(new PutImageScanningConfigurationRequest
            {
                RepositoryName = name,
                ImageScanningConfiguration = new ImageScanningConfiguration { ScanOnPush = true },
            }, cancellationToken).ConfigureAwait(false);
            progress.Warn($"ECR repository {name} had scan on push off; turned it on.");
        }

        if (repository.ImageTagMutability != ImageTagMutability.Immutable)
        {
            await ecr.PutImageTagMutabilityAsync(new PutImageTagMutabilityRequest
            {
                RepositoryName = name,
                ImageTagMutability = ImageTagMutability.Immutable,
            }, cancellationToken).ConfigureAwait(false);
            progress.Warn($"ECR repository {name} had {repository.ImageTagMutability} tags; made them IMMUTABLE.");
        }

        var arn = repository.RepositoryArn ?? throw new AwsApiException("ECR", "DescribeRepositories", "MissingRepositoryArn", $"no repositoryArn for {name}");
        var current = (await ecr.ListTagsForResourceAsync(new ListTagsForResourceRequest { ResourceArn = arn }, cancellationToken).ConfigureAwait(false)).Tags ?? [];
        var missing = wantedTags.Where(w => !current.Any(c => c.Key == w.Key && c.Value == w.Value)).ToList();
        if (missing.Count > 0)
        {
            await ecr.TagResourceAsync(new TagResourceRequest { ResourceArn = arn, Tags = missing }, cancellationToken).ConfigureAwait(false);
            progress.Info($"Tagged ECR repository {name} with {string.Join(", ", missing.Select(t => t.Key))}.");
        }

        return repository.RepositoryUri ?? throw new AwsApiException("ECR", "DescribeRepositories", "MissingRepositoryUri", $"no repositoryUri for {name}");
    }

    public async Task<string?> FindDigestAsync(string repository, string tag, CancellationToken cancellationToken)
    {
        try
        {
            var response = await ecr.DescribeImagesAsync(new DescribeImagesRequest
            {
                RepositoryName = RepositoryName(repository),
                ImageIds = [new ImageIdentifier { ImageTag = tag }],
            }, cancellationToken).ConfigureAwait(false);
            return response.ImageDetails?.FirstOrDefault(d => d.ImageTags?.Contains(tag) == true)?.ImageDigest;
        }
        catch (AwsApiException ex) when (ex.ErrorCode == "ImageNotFoundException")
        {
            return null;
        }
    }

    public async Task<(string Server, RegistryCredentials Credentials)?> LoginAsync(string repository, CancellationToken cancellationToken)
    {
        var registryId = repository.Split('.')[0];
        var response = await ecr.GetAuthorizationTokenAsync(new GetAuthorizationTokenRequest(), cancellationToken).ConfigureAwait(false);
        var data = response.AuthorizationData?.FirstOrDefault()
            ?? throw new AwsApiException("ECR", "GetAuthorizationToken", "NoAuthorizationData", $"no authorization data for registry {registryId}");
        var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(data.AuthorizationToken ?? string.Empty));
        var separator = decoded.IndexOf(':', StringComparison.Ordinal);
        if (separator <= 0)
        {
            throw new AwsApiException("ECR", "GetAuthorizationToken", "MalformedToken", "the authorization token is not 'user:password'");
        }

        var server = data.ProxyEndpoint is { Length: > 0 } endpoint ? endpoint : "https://" + repository.Split('/')[0];
        return (server, new RegistryCredentials(decoded[..separator], decoded[(separator + 1)..]));
    }

    private static string RepositoryName(string repository) => repository[(repository.IndexOf('/', StringComparison.Ordinal) + 1)..];

    private async Task<Repository?> DescribeAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            var response = await ecr.DescribeRepositoriesAsync(new DescribeRepositoriesRequest { RepositoryNames = [name] }, cancellationToken).ConfigureAwait(false);
            return response.Repositories?.FirstOrDefault();
        }
        catch (AwsApiException ex) when (ex.ErrorCode == "RepositoryNotFoundException")
        {
            return null;
        }
    }
}

/// <summary>
/// Any registry speaking the Docker Registry HTTP API v2 (<c>Registry</c> setting): the repository is
/// <c>&lt;registry&gt;/&lt;app&gt;/&lt;environment&gt;/&lt;resource&gt;</c> (registries create repositories on first push), tags are
/// looked up with a manifest HEAD request (Basic or Bearer token auth), and docker logs in when credentials are given.
/// </summary>
internal sealed partial class RemoteImageRegistry(string registry, RegistryCredentials? credentials, HttpClient http) : IImageRegistry
{
    private static readonly string[] ManifestTypes =
    [
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.docker.distribution.manifest.v2+json",
    ];

    private readonly string _registry = registry.Trim().TrimEnd('/');

    public string Host => _registry.Split('/')[0];

    public Task<string> PrepareAsync(ServiceDescription service, CancellationToken cancellationToken) =>
        Task.FromResult($"{_registry}/{service.Names.Repository}");

    public async Task<string?> FindDigestAsync(string repository, string tag, CancellationToken cancellationToken)
    {
        var path = repository[(Host.Length + 1)..];
        var uri = new Uri($"{Scheme(Host)}://{Host}/v2/{path}/manifests/{Uri.EscapeDataString(tag)}");
        using var response = await SendAsync(() =>
        {
            var request = new HttpRequestMessage(HttpMethod.Head, uri);
            foreach (var type in ManifestTypes)
            {
                request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(type));
            }

            return request;
        }, $"repository:{path}:pull", cancellationToken).ConfigureAwait(false);

        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            throw new RegistryAuthenticationException(credentials is null
                ? $"the registry {Host} requires a login (HEAD {uri} answered {(int)response.StatusCode}): set the registry username and password."
                : $"the registry {Host} refused the credentials of '{credentials.Username}' (HEAD {uri} answered {(int)response.StatusCode}): check the registry username and password.");
        }

        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"HEAD {uri} answered {(int)response.StatusCode} {response.ReasonPhrase}.", null, response.StatusCode);
        }

        return response.Headers.TryGetValues("Docker-Content-Digest", out var digests) ? digests.FirstOrDefault()
            : throw new HttpRequestException($"HEAD {uri} gave no Docker-Content-Digest header.");
    }

    public Task<(string Server, RegistryCredentials Credentials)?> LoginAsync(string repository, CancellationToken cancellationToken) =>
        Task.FromResult(credentials is null ? ((string, RegistryCredentials)?)null : (Host, credentials));

    /// <summary>Docker itself speaks HTTP to loopback registries and HTTPS to every other one (unless configured insecure).</summary>
    internal static string Scheme(string host)
    {
        var name = host.StartsWith('[') ? host[..(host.IndexOf(']', StringComparison.Ordinal) + 1)] : host.Split(':')[0];
        return name is "localhost" or "[::1]" || name.StartsWith("127.", StringComparison.Ordinal) ? "http" : "https";
    }

    private async Task<HttpResponseMessage> SendAsync(Func<HttpRequestMessage> create, string scope, CancellationToken cancellationToken)
    {
        using var first = create();
        if (credentials is not null)
        {
            first.Headers.Authorization = Basic();
        }

        var response = await http.SendAsync(first, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.Unauthorized
            || response.Headers.WwwAuthenticate.FirstOrDefault(h => h.Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase)) is not { } challenge)
        {
            return response;
        }

        response.Dispose();
        var token = await BearerTokenAsync(challenge.Parameter ?? string.Empty, scope, cancellationToken).ConfigureAwait(false);
        using var second = create();
        second.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await http.SendAsync(second, cancellationToken).ConfigureAwait(false);
    }

    private async Task<string> BearerTokenAsync(string challenge, string scope, CancellationToken cancellationToken)
    {
        var parameters = ChallengeParameter().Matches(challenge).ToDictionary(m => m.Groups["key"].Value, m => m.Groups["value"].Value, StringComparer.OrdinalIgnoreCase);
        if (!parameters.TryGetValue("realm", out var realm))
        {
            throw new HttpRequestException($"The registry {Host} asked for a bearer token without a realm.");
        }

        var query = $"?scope={Uri.EscapeDataString(parameters.GetValueOrDefault("scope", scope))}" +
                    (parameters.TryGetValue("service", out var service) ? $"&service={Uri.EscapeDataString(service)}" : string.Empty);
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(realm + query));
        if (credentials is not null)
        {
            request.Headers.Authorization = Basic();
        }

        using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new RegistryAuthenticationException($"the registry's token service {new Uri(realm).Host} answered {(int)response.StatusCode}: check the registry username and password.");
        }

        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
        return document.RootElement.TryGetProperty("token", out var value) || document.RootElement.TryGetProperty("access_token", out value)
            ? value.GetString() ?? string.Empty
            : throw new HttpRequestException($"The registry's token service {new Uri(realm).Host} returned no token.");
    }

    private AuthenticationHeaderValue Basic() =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{credentials!.Username}:{credentials.Password}")));

    [GeneratedRegex("(?<key>[A-Za-z]+)=\"(?<value>[^\"]*)\"")]
    private static partial Regex ChallengeParameter();
}

/// <summary>The registry refused (or demanded) credentials; the pipeline reports it as a refused login.</summary>
internal sealed class RegistryAuthenticationException(string message) : Exception(message);
