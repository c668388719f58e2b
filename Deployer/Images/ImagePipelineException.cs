namespace Aspire.Deployer.Images;

/// <summary>The stage of the image pipeline that failed.</summary>
public enum ImagePipelineStage
{
    /// <summary>The build source (context folder, Dockerfile) is missing or unreadable.</summary>
    Source,

    /// <summary>The Docker CLI or engine is missing or does not answer.</summary>
    DockerEngine,

    /// <summary>docker build failed, or built for another platform than requested.</summary>
    Build,

    /// <summary>The image did not become healthy in a local container.</summary>
    SmokeTest,

    /// <summary>The registry or ECR repository could not be prepared or queried.</summary>
    Registry,

    /// <summary>docker login was refused or failed.</summary>
    Login,

    /// <summary>docker push failed, or the registry does not show what was pushed.</summary>
    Push,
}

/// <summary>
/// The one error of the image pipeline: names the resource, the stage and what to do. When it is thrown, no image
/// reference has been handed out, so nothing partially pushed can reach a task definition.
/// </summary>
public sealed class ImagePipelineException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="resource">The Aspire resource whose image failed.</param>
    /// <param name="stage">The stage that failed.</param>
    /// <param name="message">What went wrong and what to do; must not contain secrets.</param>
    /// <param name="innerException">The underlying error, if any.</param>
    public ImagePipelineException(string resource, ImagePipelineStage stage, string message, Exception? innerException = null)
        : base($"Image for '{resource}' ({StageText(stage)}): {message}", innerException)
    {
        Resource = resource;
        Stage = stage;
    }

    /// <summary>The Aspire resource whose image failed.</summary>
    public string Resource { get; }

    /// <summary>The stage that failed.</summary>
    public ImagePipelineStage Stage { get; }

    private static string StageText(ImagePipelineStage stage) => stage switch
    {
        ImagePipelineStage.Source => "build source",
        ImagePipelineStage.DockerEngine => "Docker engine",
        ImagePipelineStage.Build => "build",
        ImagePipelineStage.SmokeTest => "smoke test",
        ImagePipelineStage.Registry => "registry",
        ImagePipelineStage.Login => "registry login",
        ImagePipelineStage.Push => "push",
        _ => stage.ToString(),
    };
}
