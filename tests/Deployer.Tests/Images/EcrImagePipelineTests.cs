using System.Net.Http.Headers;
using System.Text.Json;
using System.Text;
using Aspire.Deployer.Aws.Ecr;
using Aspire.Deployer.Aws;
using Aspire.Deployer.Images;
using Aspire.Deployer.Model;
using Aspire.Deployer.Tests.Images.Infrastructure;
using Aspire.Deployer.Tests.Infrastructure;

namespace Aspire.Deployer.Tests.Images;

/// <summary>
/// The ECR side against moto (ECR API only: moto's registry host does not exist, so nothing can be pushed there):
/// repository settings, convergence, DescribeImages as the "already pushed" check, and GetAuthorizationToken login.
/// </summary>
public sealed class EcrImagePipelineTests : IAsyncLifetime
{
    private AwsSession _session = null!;

    public async Task InitializeAsync()
    {
        var moto = await MotoServer.GetAsync();
        _session = await moto.SessionAsync();
    }

    public Task DisposeAsync()
    {
        _session.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Prepare_CreatesTheRepositoryScannedImmutableAndTagged_AndConvergesOneWithOtherSettings()
    {
        var names = new AwsNames($"t{Guid.NewGuid().ToString("N")[..10]}", "images", "node-app");
        var progress = new RecordingProgress();
        var registry = new EcrImageRegistry(_session.Ecr, progress);

        var uri = await registry.PrepareAsync(Service(names), default);

        Assert.EndsWith($".amazonaws.com/{names.Repository}", uri, StringComparison.Ordinal);
        await AssertRepositoryAsExpectedAsync(names);
        Assert.Empty(progress.Warnings);

        // Someone loosened the settings and dropped a tag: the next run puts them back.
        await _session.Ecr.PutImageTagMutabilityAsync(new PutImageTagMutabilityRequest { RepositoryName = names.Repository, ImageTagMutability = ImageTagMutability.Mutable });
        await _session.Ecr.PutImageScanningConfigurationAsync(new PutImageScanningConfigurationRequest
        {
            RepositoryName = names.Repository,
            ImageScanningConfiguration = new ImageScanningConfiguration { ScanOnPush = false },
        });
        var other = new AwsNames($"t{Guid.NewGuid().ToString("N")[..10]}", "images", "pre-existing");
        await _session.Ecr.CreateRepositoryAsync(new CreateRepositoryRequest { RepositoryName = other.Repository });

        Assert.Equal(uri, await registry.PrepareAsync(Service(names), default));
        Assert.Contains(progress.Warnings, w => w.Contains("made them IMMUTABLE", StringComparison.Ordinal));
        Assert.Contains(progress.Warnings, w => w.Contains("turned it on", StringComparison.Ordinal));
        await AssertRepositoryAsExpectedAsync(names);

        await registry.PrepareAsync(Service(other), default);
        await AssertRepositoryAsExpectedAsync(other);
    }

    [Fact]
    public async Task PublishAsync_TagAlreadyInEcr_IsFoundWithDescribeImages_AndNothingIsBuiltOrPushed()
    {
        await TestEnvironment.EnsureDockerAsync();
        using var app = TestApp.Create(AppBehaviour.ExitsAtStart); // would fail the smoke test if it were built
        var source = app.Service.Image!;
        var tag = (await SourceFingerprint.ComputeAsync(app.Directory, Path.Combine(app.Directory, source.DockerfilePath), source.BuildArguments,
            "linux/amd64", new DockerCli(), default)).Tag;
        var uri = await new EcrImageRegistry(_session.Ecr, new RecordingProgress()).PrepareAsync(app.Service, default);
        var digest = await PutImageAsync(app.Repository, tag);
        var progress = new RecordingProgress();
        using var pipeline = new ImagePipeline(new ImagePipelineOptions(), progress, _session.Ecr);

        var image = await pipeline.PublishAsync(app.Service);

        Assert.False(image.Built || image.SmokeTested || image.Pushed);
        Assert.Equal($"{uri}@{digest}", image.Reference);
        Assert.Equal(tag, image.Tag);
        Assert.DoesNotContain(progress.Lines, l => l.Contains("docker build", StringComparison.Ordinal));
    }

    [Fact]
    public async Task PublishAsync_ToEcr_LogsInWithGetAuthorizationToken_AndAFailedLoginPushesNothing()
    {
        await TestEnvironment.EnsureDockerAsync();
        using var app = TestApp.Create(AppBehaviour.Healthy);
        using var pipeline = new ImagePipeline(new ImagePipelineOptions(), new RecordingProgress(), _session.Ecr);

        // Built and proven, then the login to moto's registry host (which does not exist) fails: a clear error.
        var error = await Assert.ThrowsAsync<ImagePipelineException>(() => pipeline.PublishAsync(app.Service));

        Assert.Equal(ImagePipelineStage.Login, error.Stage);
        Assert.Contains("'healthy'", error.Message, StringComparison.Ordinal);
        Assert.Contains("docker login https://123456789012.dkr.ecr.us-east-1.amazonaws.com as 'AWS'", error.Message, StringComparison.Ordinal);
        Assert.Contains("Nothing was pushed", error.Message, StringComparison.Ordinal);
        Assert.Empty(await _session.Ecr.DescribeImagesItemsAsync(new DescribeImagesRequest { RepositoryName = app.Repository }).ToListAsync());
        await AssertRepositoryAsExpectedAsync(app.Service.Names);
    }

    private async Task AssertRepositoryAsExpectedAsync(AwsNames names)
    {
        var repository = Assert.Single((await _session.Ecr.DescribeRepositoriesAsync(new DescribeRepositoriesRequest { RepositoryNames = [names.Repository] })).Repositories!);
        Assert.Equal(ImageTagMutability.Immutable, repository.ImageTagMutability);
        Assert.True(repository.ImageScanningConfiguration?.ScanOnPush);
        var tags = (await _session.Ecr.ListTagsForResourceAsync(new ListTagsForResourceRequest { ResourceArn = repository.RepositoryArn! })).Tags!;
        foreach (var (key, value) in names.Tags)
        {
            Assert.Contains(tags, t => t.Key == key && t.Value == value);
        }
    }

    private static ServiceDescription Service(AwsNames names) => new(
        names, new ImageSource("/nonexistent", "Dockerfile", new Dictionary<string, string>()), 4000, 4000, "/health",
        new Dictionary<string, string>(), FargateSize.Default, new EcsServiceOptions());

    /// <summary>Puts an image manifest into moto's ECR (PutImage is not an operation the Deployer needs, so it is sent raw).</summary>
    private async Task<string> PutImageAsync(string repository, string tag)
    {
        var manifest = JsonSerializer.Serialize(new
        {
            schemaVersion = 2,
            mediaType = "application/vnd.docker.distribution.manifest.v2+json",
            config = new { mediaType = "application/vnd.docker.container.image.v1+json", size = 2, digest = "sha256:" + new string('a', 64) },
            layers = Array.Empty<object>(),
        });
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, _session.ResolveEndpoint(AwsService.Ecr))
        {
            Content = new StringContent(JsonSerializer.Serialize(new { repositoryName = repository, imageTag = tag, imageManifest = manifest }), Encoding.UTF8),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-amz-json-1.1");
        request.Headers.Add("X-Amz-Target", "AmazonEC2ContainerRegistry_V20150921.PutImage");
        request.Headers.TryAddWithoutValidation("Authorization",
            "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/ecr/aws4_request, SignedHeaders=host, Signature=0");
        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        using var document = JsonDocument.Parse(body);
        return document.RootElement.GetProperty("image").GetProperty("imageId").GetProperty("imageDigest").GetString()!;
    }
}
