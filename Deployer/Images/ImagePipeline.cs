using Aspire.Deployer.Reporting;
using System.ComponentModel;
using System.Globalization;
using System.Text.RegularExpressions;
using Aspire.Deployer.Aws;
using Aspire.Deployer.Aws.Ecr;
using Aspire.Deployer.Model;

namespace Aspire.Deployer.Images;

/// <summary>
/// Builds each deployable resource's image, proves it in a local container and pushes it immutably, handing back the
/// image by digest for the task definition. Steps, in order:
/// <list type="number">
/// <item>Check the source (context folder, Dockerfile) and the Docker engine.</item>
/// <item>Hash what the build will see (Dockerfile, build arguments, platform, base images, context files after
/// <c>.dockerignore</c>) into an immutable tag, with the git commit that last changed the source.</item>
/// <item>Ensure the repository (ECR: scan on push, immutable tags, tagged with app/environment/resource) and ask
/// the registry for that tag: when it is there, the image was built, proven and pushed before, and it is returned
/// as is; nothing is built or pushed.</item>
/// <item>Otherwise <c>docker build</c> for the target platform (checked after the build), smoke test, login, push, and
/// confirm the pushed digest with the registry before it is returned.</item>
/// </list>
/// Any failure is an <see cref="ImagePipelineException"/> and no reference is returned, so nothing unproven or
/// partially pushed reaches a task definition.
/// </summary>
public sealed partial class ImagePipeline : IDisposable
{
    /// <summary>Appended to the tag of an image pushed with the smoke test skipped.</summary>
    public const string UnverifiedSuffix = "-unverified";

    private static readonly TimeSpan ShortCommand = TimeSpan.FromSeconds(60);
    private readonly ImagePipelineOptions _options;
    private readonly IDeployProgress _progress;
    private readonly DockerCli _docker;
    private readonly IImageRegistry _registry;
    private readonly HttpClient _http;
    private readonly string _registryDescription;

    /// <summary>Creates the pipeline.</summary>
    /// <param name="options">The settings; <see cref="ImagePipelineOptions.Registry"/> chooses a registry other than ECR.</param>
    /// <param name="progress">Where progress is reported.</param>
    /// <param name="ecr">The ECR client (e.g. <c>AwsSession.Ecr</c>); required unless <see cref="ImagePipelineOptions.Registry"/> is set.</param>
    /// <exception cref="ArgumentException">Neither a registry nor an ECR client is given.</exception>
    public ImagePipeline(ImagePipelineOptions options, IDeployProgress progress, EcrClient? ecr = null)
        : this(options, progress, ecr, new DockerCli(options?.DockerHost))
    {
    }

    internal ImagePipeline(ImagePipelineOptions options, IDeployProgress progress, EcrClient? ecr, DockerCli docker)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(progress);
        _options = options;
        _progress = progress;
        _docker = docker;
        _http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        if (!string.IsNullOrWhiteSpace(options.Registry))
        {
            _registry = new RemoteImageRegistry(options.Registry, options.RegistryCredentials, _http);
            _registryDescription = $"registry {options.Registry.Trim()}";
        }
        else
        {
            _registry = new EcrImageRegistry(ecr ?? throw new ArgumentException(
                "No ECR client and no registry: pass AwsSession.Ecr, or set ImagePipelineOptions.Registry to push elsewhere.", nameof(ecr)), progress);
            _registryDescription = $"ECR ({ecr.Endpoint.Host})";
        }
    }

    /// <summary>Publishes the image of every service built from a Dockerfile, in order (an existing image is used as it is: nothing is built); stops at the first failure.</summary>
    /// <param name="deployment">The deployment.</param>
    /// <param name="cancellationToken">Cancels the work (containers started are still removed).</param>
    /// <returns>The published image of each built service, keyed by resource name.</returns>
    /// <exception cref="ImagePipelineException">A service's image could not be built, proven or pushed.</exception>
    public async Task<IReadOnlyDictionary<string, PublishedImage>> PublishAllAsync(DeploymentDescription deployment, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(deployment);
        var images = new Dictionary<string, PublishedImage>(StringComparer.Ordinal);
        foreach (var service in deployment.Services)
        {
            if (!service.IsBuilt)
            {
                _progress.Info($"{service.Names.Resource}: runs the existing image {service.ImageReference} as it is; nothing to build or push.");
                continue;
            }

            // The smoke test runs the image as ECS will, its secrets included (passed to the container only, never printed).
            images[service.Names.Resource] = await PublishAsync(service, cancellationToken, deployment.SecretValuesOf(service)).ConfigureAwait(false);
        }

        return images;
    }

    /// <summary>Builds, smoke-tests and pushes one service's image, or finds it already pushed.</summary>
    /// <param name="service">The service.</param>
    /// <param name="cancellationToken">Cancels the work (a smoke container is still removed).</param>
    /// <param name="secrets">The values of the service's secret variables, for the smoke-test container; null: none.</param>
    /// <returns>The image by digest, confirmed by the registry.</returns>
    /// <exception cref="ImagePipelineException">The image could not be built, proven or pushed; nothing is returned.</exception>
    public async Task<PublishedImage> PublishAsync(ServiceDescription service, CancellationToken cancellationToken = default, IReadOnlyDictionary<string, SecretValue>? secrets = null)
    {
        ArgumentNullException.ThrowIfNull(service);
        var resource = service.Names.Resource;
        var platform = Platform(service.Options.Architecture);
        _progress.Step($"{resource}: image ({platform}, to {_registryDescription})");

        var (context, dockerfile) = CheckSource(service);
        var enginePlatform = await CheckEngineAsync(resource, cancellationToken).ConfigureAwait(false);

        var source = await Wrap(resource, ImagePipelineStage.Source, "hashing the build source failed",
            () => SourceFingerprint.ComputeAsync(context, dockerfile, Source(service).BuildArguments, platform, _docker, cancellationToken)).ConfigureAwait(false);
        // A tag in the registry means "built from this source and proven": an image pushed with the smoke test
        // skipped gets its own tag, so a later run with the smoke test on never takes it for a proven one.
        var tag = source.Tag;
        var candidates = _options.SkipSmokeTest ? [tag, tag + UnverifiedSuffix] : new[] { tag };
        _progress.Info(source.Revision is null
            ? $"Tag {tag} (from the build source; no git repository, so no revision label)."
            : $"Tag {tag} (from the build source; git commit {source.Revision}{(source.Dirty ? " plus uncommitted changes" : string.Empty)}).");

        var repository = await Wrap(resource, ImagePipelineStage.Registry, $"preparing the repository in {_registryDescription} failed",
            () => _registry.PrepareAsync(service, cancellationToken)).ConfigureAwait(false);
        foreach (var candidate in candidates)
        {
            var existing = await Wrap(resource, ImagePipelineStage.Registry, $"looking up {repository}:{candidate} failed",
                () => _registry.FindDigestAsync(repository, candidate, cancellationToken)).ConfigureAwait(false);
            if (existing is not null)
            {
                _progress.Info($"{repository}:{candidate} is already in the registry ({existing}): the source is unchanged, nothing to build or push.");
                return new PublishedImage(resource, repository, candidate, existing, source.Revision, Built: false, Pushed: false, SmokeTested: false);
            }
        }

        tag = candidates[^1];

        var localImage = $"{service.Names.Repository}:{tag}";
        await BuildAsync(service, context, dockerfile, platform, enginePlatform, localImage, source, cancellationToken).ConfigureAwait(false);

        var healthyAfter = await ProveAsync(service, localImage, secrets, cancellationToken).ConfigureAwait(false);

        _progress.Step($"{resource}: push to {repository}");
        await LoginAsync(resource, repository, cancellationToken).ConfigureAwait(false);
        var digest = await PushAsync(resource, localImage, repository, tag, cancellationToken).ConfigureAwait(false);
        _progress.Info($"Pushed {repository}@{digest}.");
        return new PublishedImage(resource, repository, tag, digest, source.Revision, Built: true, Pushed: true, SmokeTested: !_options.SkipSmokeTest)
        {
            HealthyAfter = healthyAfter,
        };
    }

    // The smoke test (its time to healthy), or a loud warning when it is skipped (null).
    private async Task<TimeSpan?> ProveAsync(ServiceDescription service, string localImage, IReadOnlyDictionary<string, SecretValue>? secrets, CancellationToken cancellationToken)
    {
        var resource = service.Names.Resource;
        if (_options.SkipSmokeTest)
        {
            _progress.Warn($"SMOKE TEST SKIPPED for {resource} (the skip setting is on): {localImage} goes to the registry without proof " +
                           $"that it starts and answers its health path (its tag ends in {UnverifiedSuffix}). A broken image will fail on ECS instead, slowly.");
            return null;
        }

        _progress.Step($"{resource}: smoke test");
        return await new SmokeTester(_docker, _options, _progress, _http).RunAsync(service, localImage, cancellationToken, secrets).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public void Dispose() => _http.Dispose();

    /// <summary>The Docker platform for an ECS CPU architecture.</summary>
    /// <param name="architecture">The architecture.</param>
    /// <returns><c>linux/amd64</c> or <c>linux/arm64</c>.</returns>
    public static string Platform(CpuArchitecture architecture) => architecture switch
    {
        CpuArchitecture.X86_64 => "linux/amd64",
        CpuArchitecture.ARM64 => "linux/arm64",
        _ => throw new ArgumentOutOfRangeException(nameof(architecture), architecture, "Unknown CPU architecture."),
    };

    private static ImageSource Source(ServiceDescription service) => service.Image
        ?? throw new ImagePipelineException(service.Names.Resource, ImagePipelineStage.Source, $"it has no Dockerfile to build (it runs the image {service.ImageReference} as it is).");

    private static (string Context, string Dockerfile) CheckSource(ServiceDescription service)
    {
        var resource = service.Names.Resource;
        var context = Path.GetFullPath(Source(service).ContextPath);
        if (!Directory.Exists(context))
        {
            throw new ImagePipelineException(resource, ImagePipelineStage.Source,
                $"the build context folder '{context}' does not exist. Fix the context path given to PublishAsDockerFile/AddDockerfile in the AppHost.");
        }

        var dockerfile = Path.GetFullPath(Source(service).DockerfilePath, context);
        if (!File.Exists(dockerfile))
        {
            throw new ImagePipelineException(resource, ImagePipelineStage.Source,
                $"the Dockerfile '{dockerfile}' does not exist. Create it, or point the resource at the right Dockerfile in the AppHost.");
        }

        return (context, dockerfile);
    }

    private async Task<string> CheckEngineAsync(string resource, CancellationToken cancellationToken)
    {
        CliResult version;
        try
        {
            version = await _docker.RunAsync(["version", "--format", "{{.Server.Os}}/{{.Server.Arch}}"], ShortCommand, cancellationToken).ConfigureAwait(false);
        }
        catch (Win32Exception ex)
        {
            throw new ImagePipelineException(resource, ImagePipelineStage.DockerEngine,
                $"the Docker CLI '{_docker.Executable}' was not found ({ex.Message}). Install Docker and make sure `docker` is on PATH.", ex);
        }
        catch (TimeoutException ex)
        {
            throw new ImagePipelineException(resource, ImagePipelineStage.DockerEngine,
                "the Docker engine did not answer `docker version` within 60 s. Check that dockerd is healthy.", ex);
        }

        var platform = version.StandardOutput.Trim();
        if (!version.Succeeded || !platform.Contains('/', StringComparison.Ordinal))
        {
            throw new ImagePipelineException(resource, ImagePipelineStage.DockerEngine,
                $"no Docker engine answers{(_options.DockerHost is null ? string.Empty : $" at {_options.DockerHost}")}: {version.TailText.Trim()} " +
                "Start Docker (on these machines: scripts/docker-engine.sh), or set DOCKER_HOST to a running engine.");
        }

        return platform;
    }

    private async Task BuildAsync(
        ServiceDescription service, string context, string dockerfile, string platform, string enginePlatform, string localImage,
        SourceFingerprint source, CancellationToken cancellationToken)
    {
        var resource = service.Names.Resource;
        _progress.Step($"{resource}: docker build {localImage}");
        if (!string.Equals(platform, enginePlatform, StringComparison.Ordinal))
        {
            _progress.Warn($"{resource} targets {platform} but this Docker engine is {enginePlatform}: the build needs emulation (BuildKit with QEMU) and may fail.");
        }

        var idFile = Path.Combine(Path.GetTempPath(), $"aspire-iid-{Guid.NewGuid():N}");
        var arguments = BuildArguments(service, context, dockerfile, platform, localImage, source, idFile);

        // One line per build stage, or every line when the options ask for the full output (debug log level).
        var condensed = new BuildOutput(_progress.Info);
        Action<string> onLine = _options.VerboseBuildOutput
            ? line => _progress.Info(line.TrimEnd())
            : condensed.Add;
        CliResult result;
        try
        {
            result = await _docker.RunAsync(arguments, _options.BuildTimeout, cancellationToken, onLine: onLine).ConfigureAwait(false);
        }
        catch (TimeoutException ex)
        {
            throw new ImagePipelineException(resource, ImagePipelineStage.Build, $"docker build did not finish within {_options.BuildTimeout}.", ex);
        }

        string? imageId = null;
        if (File.Exists(idFile))
        {
            imageId = (await File.ReadAllTextAsync(idFile, cancellationToken).ConfigureAwait(false)).Trim();
            File.Delete(idFile);
        }

        if (!result.Succeeded || string.IsNullOrEmpty(imageId))
        {
            throw new ImagePipelineException(resource, ImagePipelineStage.Build,
                $"docker build of '{dockerfile}' failed (exit {result.ExitCode}). Nothing was pushed. Fix the Dockerfile or the source; " +
                $"the build's last lines:{Environment.NewLine}{Indent(result.Tail.TakeLast(_options.LogTailLines))}");
        }

        var inspect = await _docker.RunAsync(["image", "inspect", "--format", "{{.Os}}/{{.Architecture}}", imageId], ShortCommand, cancellationToken).ConfigureAwait(false);
        var built = inspect.StandardOutput.Trim();
        if (!inspect.Succeeded || !string.Equals(built, platform, StringComparison.Ordinal))
        {
            throw new ImagePipelineException(resource, ImagePipelineStage.Build,
                $"{platform} was requested but the image built is {(inspect.Succeeded ? built : "unknown")} (the engine is {enginePlatform}; its " +
                "classic builder does not cross-build and takes a local base image as it is). Nothing was pushed. Build on a " +
                $"{platform} machine, use an engine with BuildKit and QEMU emulation, or choose the architecture {ArchitectureOf(built)}.");
        }

        _progress.Info($"Built {localImage} ({imageId[..Math.Min(19, imageId.Length)]}, {built}).");
    }

    private static List<string> BuildArguments(
        ServiceDescription service, string context, string dockerfile, string platform, string localImage, SourceFingerprint source, string idFile)
    {
        // --force-rm: the classic builder otherwise leaves the container of a failed RUN step behind.
        var arguments = new List<string> { "build", "--force-rm", "--file", dockerfile, "--tag", localImage, "--platform", platform, "--iidfile", idFile };
        foreach (var (name, value) in Source(service).BuildArguments.OrderBy(a => a.Key, StringComparer.Ordinal))
        {
            arguments.AddRange(["--build-arg", $"{name}={value}"]);
        }

        arguments.AddRange(["--label", $"org.opencontainers.image.version={source.Tag}"]);
        arguments.AddRange(["--label", $"io.aspire.deployer.source-hash={source.Hash}"]);
        arguments.AddRange(["--label", $"io.aspire.deployer.resource={service.Names.Resource}"]);
        if (source.Revision is not null)
        {
            arguments.AddRange(["--label", $"org.opencontainers.image.revision={source.Revision}"]);
        }

        arguments.Add(context);
        return arguments;
    }

    private static async Task<T> Wrap<T>(string resource, ImagePipelineStage stage, string what, Func<Task<T>> action)
    {
        try
        {
            return await action().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is AwsApiException or RegistryAuthenticationException or HttpRequestException or IOException or UnauthorizedAccessException or ArgumentException
                                       or TimeoutException or Win32Exception or InvalidOperationException or FormatException or TaskCanceledException)
        {
            if (ex is TaskCanceledException && ex.InnerException is not TimeoutException)
            {
                throw;
            }

            // A registry refusing credentials is a refused login, whichever call noticed it first.
            var failed = ex is RegistryAuthenticationException ? ImagePipelineStage.Login : stage;
            throw new ImagePipelineException(resource, failed, $"{what}: {ex.Message} Nothing was pushed.", ex);
        }
    }

    private static string ArchitectureOf(string platform) => platform.EndsWith("arm64", StringComparison.Ordinal) ? "ARM64" : "X86_64";

    private static string Indent(IEnumerable<string> lines) => string.Join(Environment.NewLine, lines.Select(l => "  | " + l));
}
