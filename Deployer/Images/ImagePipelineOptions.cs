namespace Aspire.Deployer.Images;

/// <summary>How images are built, proven and pushed. Defaults: push to ECR, smoke test on, 60 s health wait.</summary>
public sealed record ImagePipelineOptions
{
    /// <summary>The default name of the variable holding the username for <see cref="Registry"/>.</summary>
    public const string DefaultUsernameVariable = "ASPIRE_DEPLOY_REGISTRY_USERNAME";

    /// <summary>The default name of the variable holding the password (or token) for <see cref="Registry"/>.</summary>
    public const string DefaultPasswordVariable = "ASPIRE_DEPLOY_REGISTRY_PASSWORD";

    /// <summary>
    /// Push to this registry instead of ECR, e.g. <c>127.0.0.1:5000</c> or <c>registry.example.com/team</c>; the
    /// repository is then <c>&lt;Registry&gt;/&lt;app&gt;/&lt;environment&gt;/&lt;resource&gt;</c>. Null: ECR.
    /// Loopback registries are spoken to over HTTP, every other one over HTTPS.
    /// </summary>
    public string? Registry { get; init; }

    /// <summary>Credentials for <see cref="Registry"/> (see <see cref="RegistryCredentials.FromEnvironment"/>); null for an open registry.</summary>
    public RegistryCredentials? RegistryCredentials { get; init; }

    /// <summary>
    /// Skips the local smoke test (loudly): the image then reaches the registry unproven, under a tag ending in
    /// <see cref="ImagePipeline.UnverifiedSuffix"/> (a proven image of the same source is used when there is one).
    /// </summary>
    public bool SkipSmokeTest { get; init; }

    /// <summary>How long the smoke test waits for the health path to answer 2xx (default 60 s).</summary>
    public TimeSpan SmokeTestTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Runs the smoke container with a read-only root filesystem and the service's Fargate memory limit, as ECS will
    /// (default true; ARCHITECTURE.md: Security Hub ECS.5).
    /// </summary>
    public bool SmokeTestAsOnFargate { get; init; } = true;

    /// <summary>
    /// Reports every line of <c>docker build</c> output (for the debug log level); false (the default) reports one
    /// line per build stage.
    /// </summary>
    public bool VerboseBuildOutput { get; init; }

    /// <summary>How long one docker build may take (default 20 minutes).</summary>
    public TimeSpan BuildTimeout { get; init; } = TimeSpan.FromMinutes(20);

    /// <summary>How long one docker push may take (default 20 minutes).</summary>
    public TimeSpan PushTimeout { get; init; } = TimeSpan.FromMinutes(20);

    /// <summary>How many of the last log or output lines an error carries (default 30).</summary>
    public int LogTailLines { get; init; } = 30;

    /// <summary>The Docker engine to use (DOCKER_HOST form, e.g. <c>unix:///var/run/docker.sock</c>); null: Docker's own default.</summary>
    public string? DockerHost { get; init; }
}

/// <summary>A username and password (or token) for a registry. <see cref="ToString"/> never shows the password.</summary>
/// <param name="username">The username.</param>
/// <param name="password">The password or token; handed to <c>docker login</c> on stdin only.</param>
public sealed class RegistryCredentials(string username, string password)
{
    /// <summary>The username.</summary>
    public string Username { get; } = username;

    /// <summary>The password or token.</summary>
    public string Password { get; } = password;

    /// <summary>
    /// Reads credentials from environment variables; null when the username variable is unset or empty.
    /// </summary>
    /// <param name="usernameVariable">The username variable.</param>
    /// <param name="passwordVariable">The password variable.</param>
    /// <param name="environment">Reads a variable; the process environment when null.</param>
    /// <returns>The credentials, or null.</returns>
    /// <exception cref="ArgumentException">The username is set but the password is not.</exception>
    public static RegistryCredentials? FromEnvironment(
        string usernameVariable = ImagePipelineOptions.DefaultUsernameVariable,
        string passwordVariable = ImagePipelineOptions.DefaultPasswordVariable,
        Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        var username = environment(usernameVariable);
        if (string.IsNullOrEmpty(username))
        {
            return null;
        }

        var password = environment(passwordVariable);
        return string.IsNullOrEmpty(password)
            ? throw new ArgumentException($"{usernameVariable} is set but {passwordVariable} is not: set both, or neither for an open registry.")
            : new RegistryCredentials(username, password);
    }

    /// <inheritdoc />
    public override string ToString() => $"{Username} / ****";
}
