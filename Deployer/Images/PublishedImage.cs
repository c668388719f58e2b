namespace Aspire.Deployer.Images;

/// <summary>An image that is in the registry, proven and immutable: what the task definition step references.</summary>
/// <param name="Resource">The Aspire resource.</param>
/// <param name="Repository">The repository, e.g. <c>123456789012.dkr.ecr.us-east-1.amazonaws.com/app/prod/node-app</c>.</param>
/// <param name="Tag">The immutable, content-derived tag.</param>
/// <param name="Digest">The manifest digest (<c>sha256:...</c>) as the registry reports it.</param>
/// <param name="Revision">The git commit that last changed the build source, when there is a git repository.</param>
/// <param name="Built">True when this run built the image (false when the registry already held this tag).</param>
/// <param name="Pushed">True when this run pushed the image.</param>
/// <param name="SmokeTested">True when this run proved the image healthy in a local container.</param>
public sealed record PublishedImage(
    string Resource,
    string Repository,
    string Tag,
    string Digest,
    string? Revision,
    bool Built,
    bool Pushed,
    bool SmokeTested)
{
    /// <summary>How long the image took from container start to its health path's first 2xx in this run's smoke test; null when it was not tested in this run.</summary>
    public TimeSpan? HealthyAfter { get; init; }

    /// <summary>The image by digest (<c>repository@sha256:...</c>): the reference a task definition uses.</summary>
    public string Reference => $"{Repository}@{Digest}";

    /// <summary>The image by tag (<c>repository:tag</c>), for people; tags are immutable but the digest is the proof.</summary>
    public string TaggedReference => $"{Repository}:{Tag}";
}
