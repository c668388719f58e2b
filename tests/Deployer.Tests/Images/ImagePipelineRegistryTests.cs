using System.Diagnostics;
using Aspire.Deployer.Images;
using Aspire.Deployer.Model;
using Aspire.Deployer.Tests.Images.Infrastructure;

namespace Aspire.Deployer.Tests.Images;

/// <summary>The whole pipeline against a real engine and a real registry on loopback (the Registry setting).</summary>
[Collection(RegistryCollection.Name)]
public sealed class ImagePipelineRegistryTests(RegistryFixture fixture)
{
    private static readonly TimeSpan ShortSmokeTimeout = TimeSpan.FromSeconds(3);

    private ImagePipelineOptions Options => new()
    {
        Registry = fixture.Registry.Address,
        RegistryCredentials = new RegistryCredentials(LocalRegistry.User, LocalRegistry.Password),
        SmokeTestTimeout = TimeSpan.FromSeconds(20),
    };

    [Fact]
    public async Task PublishAsync_HealthyImage_IsPushedPullableByDigest_AndARerunBuildsAndPushesNothing()
    {
        using var app = TestApp.Create(AppBehaviour.Healthy);
        await TestEnvironment.GitAsync(app.Directory, "init", "--quiet");
        await TestEnvironment.GitAsync(app.Directory, "add", "--all");
        await TestEnvironment.GitAsync(app.Directory, "commit", "--quiet", "--message", "test app");
        var commit = await TestEnvironment.GitAsync(app.Directory, "rev-parse", "HEAD");
        var progress = new RecordingProgress();

        // First run: built, smoke-tested (the app exits unless GREETING from the environment arrives), pushed.
        PublishedImage first;
        using (var pipeline = new ImagePipeline(Options, progress))
        {
            first = await pipeline.PublishAsync(app.Service);
        }

        Assert.True(first.Built && first.SmokeTested && first.Pushed);
        Assert.Equal($"{fixture.Registry.Address}/{app.Repository}", first.Repository);
        Assert.Matches("^sha256:[0-9a-f]{64}$", first.Digest);
        Assert.Equal($"{first.Repository}@{first.Digest}", first.Reference);
        Assert.Equal(commit, first.Revision);
        Assert.Matches($"^{commit[..12]}-[0-9a-f]{{16}}$", first.Tag);
        Assert.Equal([first.Tag], await fixture.Registry.TagsAsync(app.Repository));
        Assert.Contains(progress.Lines, l => l.StartsWith("info: Smoke test passed", StringComparison.Ordinal));

        // The digest is pullable, and the image carries the revision label.
        Assert.Equal(0, (await TestEnvironment.DockerAsync("image", "rm", first.TaggedReference)).ExitCode);
        var pull = await TestEnvironment.DockerAsync("pull", first.Reference);
        Assert.True(pull.ExitCode == 0, pull.Output);
        var labels = await TestEnvironment.DockerAsync("image", "inspect", "--format",
            "{{index .Config.Labels \"org.opencontainers.image.revision\"}} {{index .Config.Labels \"org.opencontainers.image.version\"}}", first.Reference);
        Assert.Equal($"{commit} {first.Tag}", labels.Output.Trim());

        // Second run, source unchanged (a file .dockerignore excludes may change): found in the registry, nothing built or pushed.
        await File.WriteAllTextAsync(Path.Combine(app.Directory, "ignored.log"), "changed, but ignored");
        PublishedImage second;
        using (var pipeline = new ImagePipeline(Options, progress))
        {
            second = await pipeline.PublishAsync(app.Service);
        }

        Assert.False(second.Built || second.Pushed || second.SmokeTested);
        Assert.Equal(first.Reference, second.Reference);
        Assert.Equal([first.Tag], await fixture.Registry.TagsAsync(app.Repository));

        // A one-line source change: a new immutable tag (marked dirty: uncommitted), a new digest, pushed.
        app.EditSource();
        using (var pipeline = new ImagePipeline(Options, progress))
        {
            var third = await pipeline.PublishAsync(app.Service);
            Assert.True(third.Built && third.Pushed);
            Assert.NotEqual(first.Digest, third.Digest);
            Assert.Matches($"^{commit[..12]}-dirty-[0-9a-f]{{16}}$", third.Tag);
            Assert.Equal(new[] { first.Tag, third.Tag }.Order(), (await fixture.Registry.TagsAsync(app.Repository)).Order());
        }
    }

    [Theory]
    [InlineData(AppBehaviour.ExitsAtStart, "exited with code 3", "boom: the app cannot start")]
    [InlineData(AppBehaviour.WrongPort, "did not answer 2xx within 3 s", "listening on 5999")]
    [InlineData(AppBehaviour.FailingHealth, "last: HTTP 500", "listening on 4000")]
    public async Task PublishAsync_BrokenImage_FailsTheSmokeTestWithLogs_AndPushesNothing(AppBehaviour behaviour, string reason, string logLine)
    {
        using var app = TestApp.Create(behaviour);
        using var pipeline = new ImagePipeline(Options with { SmokeTestTimeout = ShortSmokeTimeout }, new RecordingProgress());
        var started = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<ImagePipelineException>(() => pipeline.PublishAsync(app.Service));

        Assert.Equal(ImagePipelineStage.SmokeTest, error.Stage);
        Assert.Equal(app.Service.Names.Resource, error.Resource);
        Assert.Contains(app.Service.Names.Resource, error.Message, StringComparison.Ordinal);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        Assert.Contains(logLine, error.Message, StringComparison.Ordinal);
        Assert.Contains("Nothing was pushed", error.Message, StringComparison.Ordinal);
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(15), $"took {started.Elapsed}");
        Assert.Empty(await fixture.Registry.TagsAsync(app.Repository));
        var leftovers = await TestEnvironment.DockerAsync("ps", "--all", "--quiet", "--filter", $"name=aspire-smoke-{app.Service.Names.Resource}");
        Assert.Equal(string.Empty, leftovers.Output.Trim());
    }

    [Fact]
    public async Task PublishAsync_SmokeTestSkipped_WarnsLoudly_AndPushesUnderAnUnverifiedTagThatALaterCheckedRunIgnores()
    {
        using var app = TestApp.Create(AppBehaviour.ExitsAtStart);
        var progress = new RecordingProgress();
        using var pipeline = new ImagePipeline(Options with { SkipSmokeTest = true }, progress);

        var image = await pipeline.PublishAsync(app.Service);

        Assert.True(image.Pushed);
        Assert.False(image.SmokeTested);
        Assert.EndsWith(ImagePipeline.UnverifiedSuffix, image.Tag, StringComparison.Ordinal);
        var warning = Assert.Single(progress.Warnings, w => w.Contains("SMOKE TEST SKIPPED", StringComparison.Ordinal));
        Assert.Contains(app.Service.Names.Resource, warning, StringComparison.Ordinal);

        // With the smoke test back on, the unproven image is not taken for a proven one: the run builds and fails.
        using var checking = new ImagePipeline(Options with { SmokeTestTimeout = ShortSmokeTimeout }, new RecordingProgress());
        var error = await Assert.ThrowsAsync<ImagePipelineException>(() => checking.PublishAsync(app.Service));
        Assert.Equal(ImagePipelineStage.SmokeTest, error.Stage);
        Assert.Equal([image.Tag], await fixture.Registry.TagsAsync(app.Repository));
    }

    [Fact]
    public async Task PublishAsync_BuildFails_NamesResourceWithBuildOutput_AndPushesNothing()
    {
        using var app = TestApp.Create(AppBehaviour.BuildFails);
        using var pipeline = new ImagePipeline(Options, new RecordingProgress());

        var error = await Assert.ThrowsAsync<ImagePipelineException>(() => pipeline.PublishAsync(app.Service));

        Assert.Equal(ImagePipelineStage.Build, error.Stage);
        Assert.Contains("build-fails", error.Message, StringComparison.Ordinal);
        Assert.Contains("build step broke", error.Message, StringComparison.Ordinal);
        Assert.Empty(await fixture.Registry.TagsAsync(app.Repository));
    }

    [Fact]
    public async Task PublishAsync_DockerfileMissing_FailsBeforeAnyWork()
    {
        using var app = TestApp.Create(AppBehaviour.Healthy);
        app.UseDockerfile("Dockerfile.missing");
        using var pipeline = new ImagePipeline(Options, new RecordingProgress());

        var error = await Assert.ThrowsAsync<ImagePipelineException>(() => pipeline.PublishAsync(app.Service));

        Assert.Equal(ImagePipelineStage.Source, error.Stage);
        Assert.Contains("'healthy'", error.Message, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(app.Directory, "Dockerfile.missing"), error.Message, StringComparison.Ordinal);
        Assert.Contains("does not exist", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PublishAsync_NoDockerEngine_SaysHowToStartOne()
    {
        using var app = TestApp.Create(AppBehaviour.Healthy);
        var options = Options with { DockerHost = $"unix://{Path.Combine(Path.GetTempPath(), "no-such-docker.sock")}" };
        using var pipeline = new ImagePipeline(options, new RecordingProgress());

        var error = await Assert.ThrowsAsync<ImagePipelineException>(() => pipeline.PublishAsync(app.Service));

        Assert.Equal(ImagePipelineStage.DockerEngine, error.Stage);
        Assert.Contains("no Docker engine answers", error.Message, StringComparison.Ordinal);
        Assert.Contains("DOCKER_HOST", error.Message, StringComparison.Ordinal);
        Assert.Empty(await fixture.Registry.TagsAsync(app.Repository));
    }

    [Fact]
    public async Task PublishAsync_OtherArchitectureThanTheEngine_FailsClearlyInsteadOfPushingTheWrongPlatform()
    {
        var other = fixture.EnginePlatform == "linux/arm64" ? CpuArchitecture.X86_64 : CpuArchitecture.ARM64;
        using var app = TestApp.Create(AppBehaviour.Healthy, other);
        using var pipeline = new ImagePipeline(Options, new RecordingProgress());

        var error = await Assert.ThrowsAsync<ImagePipelineException>(() => pipeline.PublishAsync(app.Service));

        Assert.Equal(ImagePipelineStage.Build, error.Stage);
        Assert.Contains(ImagePipeline.Platform(other), error.Message, StringComparison.Ordinal);
        Assert.Empty(await fixture.Registry.TagsAsync(app.Repository));
    }

    [Fact]
    public async Task PublishAsync_RegistryRefusesTheCredentials_FailsClearlyWithoutTheSecret_AndPushesNothing()
    {
        using var app = TestApp.Create(AppBehaviour.Healthy);
        const string wrongPassword = "not-the-password-6f1c";
        using var pipeline = new ImagePipeline(Options with { RegistryCredentials = new RegistryCredentials(LocalRegistry.User, wrongPassword) }, new RecordingProgress());

        var error = await Assert.ThrowsAsync<ImagePipelineException>(() => pipeline.PublishAsync(app.Service));

        Assert.Equal(ImagePipelineStage.Login, error.Stage);
        Assert.Contains("'healthy'", error.Message, StringComparison.Ordinal);
        Assert.Contains("refused the credentials of 'deployer'", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(wrongPassword, error.Message, StringComparison.Ordinal);
        Assert.Empty(await fixture.Registry.TagsAsync(app.Repository));
    }

    [Fact]
    public async Task PublishAsync_RegistryNeedsLoginButNoCredentialsSet_SaysWhichSettingsToSet()
    {
        using var app = TestApp.Create(AppBehaviour.Healthy);
        using var pipeline = new ImagePipeline(Options with { RegistryCredentials = null }, new RecordingProgress());

        var error = await Assert.ThrowsAsync<ImagePipelineException>(() => pipeline.PublishAsync(app.Service));

        Assert.Equal(ImagePipelineStage.Login, error.Stage);
        Assert.Contains("requires a login", error.Message, StringComparison.Ordinal);
        Assert.Empty(await fixture.Registry.TagsAsync(app.Repository));
    }

    [Fact]
    public async Task PublishAllAsync_PublishesEveryService_AndReportsEachAsAStep()
    {
        using var app = TestApp.Create(AppBehaviour.Healthy);
        var progress = new RecordingProgress();
        using var pipeline = new ImagePipeline(Options, progress);

        var images = await pipeline.PublishAllAsync(new DeploymentDescription(app.Service.Names.App, "images", [app.Service]));

        Assert.True(images["healthy"].Pushed);
        Assert.Contains(progress.Lines, l => l.StartsWith("step: healthy: image (linux/amd64, to registry ", StringComparison.Ordinal));
        Assert.Contains(progress.Lines, l => l.StartsWith("step: healthy: smoke test", StringComparison.Ordinal));
        Assert.Contains(progress.Lines, l => l.StartsWith("step: healthy: push to ", StringComparison.Ordinal));
        Assert.DoesNotContain(progress.Lines, l => l.Contains(LocalRegistry.Password, StringComparison.Ordinal));
    }
}
