using System.Text.RegularExpressions;
using DotNet.Testcontainers.Builders;

namespace NodeApp.Container.Tests.Infrastructure;

/// <summary>
/// The node-app image, built once per test run from node-app/Dockerfile (daemon's classic builder, layer cache
/// kept between runs so only changed layers rebuild). Lazy and shared by every fixture.
/// </summary>
internal static partial class NodeAppImage
{
    /// <summary>The tag the tests build and run.</summary>
    public const string Name = "node-app:container-tests";

    private static readonly Lazy<Task<string>> LazyBuild = new(BuildAsync);

    /// <summary>Builds the image on first use; returns its tag.</summary>
    public static Task<string> GetAsync() => LazyBuild.Value;

    /// <summary>The base image the Dockerfile names (its <c>ARG NODE_IMAGE</c> default).</summary>
    public static string BaseImage()
    {
        var dockerfile = File.ReadAllText(Path.Combine(RepoPaths.NodeApp, "Dockerfile"));
        var match = NodeImageArg().Match(dockerfile);
        return match.Success ? match.Groups[1].Value : throw new InvalidOperationException("node-app/Dockerfile has no ARG NODE_IMAGE default");
    }

    private static async Task<string> BuildAsync()
    {
        await DockerEngine.EnsureAvailableAsync();

        var baseImage = BaseImage();
        try
        {
            await DockerEngine.Client.Images.InspectImageAsync(baseImage);
        }
        catch (Docker.DotNet.DockerImageNotFoundException)
        {
            throw new InvalidOperationException(
                $"The base image {baseImage} is not on this engine and no registry is reachable to pull it: " +
                "run scripts/base-image.sh first.");
        }

        var previousId = await ImageIdAsync(Name);
        var image = new ImageFromDockerfileBuilder()
            .WithDockerfileDirectory(RepoPaths.NodeApp)
            .WithDockerfile("Dockerfile")
            .WithName(Name)
            .WithDeleteIfExists(false)
            .WithCleanUp(false)
            .Build();
        await image.CreateAsync().WaitAsync(TimeSpan.FromMinutes(5));

        // Testcontainers labels every build with its session id, so each run makes a new (tiny) top image and the
        // previous one would linger untagged. Remove it; its layers stay as the next build's cache.
        if (previousId is not null && previousId != await ImageIdAsync(Name))
        {
            try
            {
                await DockerEngine.Client.Images.DeleteImageAsync(previousId, new Docker.DotNet.Models.ImageDeleteParameters());
            }
            catch (Docker.DotNet.DockerApiException)
            {
                // still used by a container or another tag: leave it
            }
        }

        return Name;
    }

    private static async Task<string?> ImageIdAsync(string name)
    {
        try
        {
            return (await DockerEngine.Client.Images.InspectImageAsync(name)).ID;
        }
        catch (Docker.DotNet.DockerImageNotFoundException)
        {
            return null;
        }
    }

    [GeneratedRegex(@"^\s*ARG\s+NODE_IMAGE=(\S+)", RegexOptions.Multiline)]
    private static partial Regex NodeImageArg();
}
