using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Aspire.Deployer.Tests.Hosting;
using Aspire.Deployer.Tests.Infrastructure;
using Aspire.Deployer.Tests.Resources;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Aspire.Deployer.Tests.Aws;

/// <summary>
/// An AWS IAM Identity Center (SSO) profile, as `aws configure sso` + `aws sso login` leave it (a profile with an
/// sso-session and a cached token), signs the real AppHost's calls: AWSSDK.Core loads AWSSDK.SSO and AWSSDK.SSOOIDC by
/// reflection for it, and exchanges the token at the SSO portal (here a local stand-in, AWS_ENDPOINT_URL_SSO) for role
/// credentials. Without those two packages the chain finds no credentials at all.
/// </summary>
[Collection(nameof(ProcessEnvironmentCollection))]
public sealed class SsoSignInTests(ITestOutputHelper output)
{
    private const string Token = "cached-sso-access-token";
    private const string AccessKey = "ASIASSOSTANDIN00001";

    [Fact]
    public async Task StatusStep_WithAnSsoProfileAndACachedToken_SignsWithTheRoleCredentialsOfThePortal()
    {
        var moto = await MotoServer.GetAsync();
        await using var proxy = await FaultProxy.StartAsync(moto.Endpoint);
        await using var portal = await SsoPortalStandIn.StartAsync();
        using var home = new TemporaryHome();

        var environment = CommandLine.AwsEnvironment(proxy.Endpoint);
        environment["AWS_ACCESS_KEY_ID"] = null;
        environment["AWS_SECRET_ACCESS_KEY"] = null;
        environment["AWS_PROFILE"] = "dev";
        environment["AWS_CONFIG_FILE"] = home.Config;
        environment["AWS_SHARED_CREDENTIALS_FILE"] = Path.Combine(home.Path, ".aws", "credentials");
        environment["HOME"] = home.Path;
        environment["NUGET_PACKAGES"] = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        environment["DOTNET_CLI_HOME"] = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        // The global AWS_ENDPOINT_URL would send the portal call to moto, which has no SSO portal.
        environment["AWS_ENDPOINT_URL_SSO"] = portal.Endpoint;

        var result = await CommandLine.PublishStepAsync("aws-status", ["--Aws:AppName", PlanSamples.UniqueApp()], environment, TimeSpan.FromMinutes(3), output);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains(result.Lines, l => l.Contains("Nothing is deployed for app", StringComparison.Ordinal));
        var exchange = Assert.Single(portal.Requests);
        Assert.Equal(("/federation/credentials", Token), (exchange.Path, exchange.Token));
        Assert.Contains("account_id=111122223333", exchange.Query, StringComparison.Ordinal);
        Assert.Contains("role_name=Deployer", exchange.Query, StringComparison.Ordinal);
        Assert.NotEmpty(proxy.Captured);
        Assert.All(proxy.Captured, r =>
        {
            Assert.Contains($"Credential={AccessKey}/", r.Headers["Authorization"], StringComparison.Ordinal);
            Assert.Equal("standin-session-token", r.Headers["X-Amz-Security-Token"]);
        });
    }

    /// <summary>A HOME with the profile and the token cache `aws configure sso` and `aws sso login` write.</summary>
    private sealed class TemporaryHome : IDisposable
    {
        public TemporaryHome()
        {
            Path = Directory.CreateTempSubdirectory("sso-home-").FullName;
            Directory.CreateDirectory(System.IO.Path.Combine(Path, ".aws", "sso", "cache"));
            Config = System.IO.Path.Combine(Path, ".aws", "config");
            File.WriteAllText(Config, """
                [profile dev]
                sso_session = team
                sso_account_id = 111122223333
                sso_role_name = Deployer
                region = us-east-1

                [sso-session team]
                sso_start_url = https://example.awsapps.com/start
                sso_region = us-east-1
                sso_registration_scopes = sso:account:access
                """);
            // The cache file is named after the SHA-1 of the session name (AWS SDKs' SSOTokenFileCache).
            var file = Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes("team"))) + ".json";
            var expires = DateTimeOffset.UtcNow.AddHours(1).ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture);
            File.WriteAllText(System.IO.Path.Combine(Path, ".aws", "sso", "cache", file),
                $$"""{"startUrl":"https://example.awsapps.com/start","region":"us-east-1","accessToken":"{{Token}}","expiresAt":"{{expires}}"}""");
        }

        public string Path { get; }

        public string Config { get; }

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }

    /// <summary>The SSO portal's GetRoleCredentials (GET /federation/credentials, bearer token in x-amz-sso_bearer_token).</summary>
    private sealed class SsoPortalStandIn : IAsyncDisposable
    {
        private readonly WebApplication _app;

        private SsoPortalStandIn(WebApplication app) => _app = app;

        public ConcurrentQueue<(string Path, string Query, string Token)> Requests { get; } = new();

        public string Endpoint { get; private set; } = "";

        public static async Task<SsoPortalStandIn> StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            var app = builder.Build();
            var portal = new SsoPortalStandIn(app);
            app.Run(context =>
            {
                portal.Requests.Enqueue((context.Request.Path, context.Request.QueryString.Value ?? "", context.Request.Headers["x-amz-sso_bearer_token"].ToString()));
                var expiration = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeMilliseconds();
                context.Response.ContentType = "application/json";
                var credentials = new { accessKeyId = AccessKey, secretAccessKey = "standin-secret", sessionToken = "standin-session-token", expiration };
                return context.Response.WriteAsync(System.Text.Json.JsonSerializer.Serialize(new { roleCredentials = credentials }));
            });
            await app.StartAsync();
            portal.Endpoint = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/');
            return portal;
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
