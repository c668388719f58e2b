using System.Text.RegularExpressions;
using Aspire.Deployer.Aws;
using Aspire.Deployer.Aws.Ecr;
using Aspire.Deployer.Model;
using Aspire.Deployer.Reporting;

namespace Aspire.Deployer.Images;

// The registry half of the pipeline: docker login (the password on stdin, never in output) and the push, whose
// digest is confirmed before any reference to the image is handed out.
public sealed partial class ImagePipeline
{
    private async Task LoginAsync(string resource, string repository, CancellationToken cancellationToken)
    {
        var login = await Wrap(resource, ImagePipelineStage.Login, $"getting credentials for {_registryDescription} failed",
            () => _registry.LoginAsync(repository, cancellationToken)).ConfigureAwait(false);
        if (login is not { } value)
        {
            return;
        }

        var (server, credentials) = value;
        CliResult result;
        try
        {
            result = await _docker.RunAsync(["login", "--username", credentials.Username, "--password-stdin", server], ShortCommand, cancellationToken,
                standardInput: credentials.Password).ConfigureAwait(false);
        }
        catch (TimeoutException ex)
        {
            throw new ImagePipelineException(resource, ImagePipelineStage.Login, $"docker login {server} did not finish within 60 s. Nothing was pushed.", ex);
        }

        if (!result.Succeeded)
        {
            throw new ImagePipelineException(resource, ImagePipelineStage.Login,
                $"docker login {server} as '{credentials.Username}' was refused or failed (exit {result.ExitCode}): " +
                $"{Redact(result.TailText, credentials.Password).Trim()} Nothing was pushed. Check the registry credentials " +
                $"({ImagePipelineOptions.DefaultUsernameVariable}/{ImagePipelineOptions.DefaultPasswordVariable}, or for ECR the AWS credentials' ecr:GetAuthorizationToken permission) and that the registry is reachable.");
        }

        _progress.Info($"Logged in to {server} as {credentials.Username}.");
    }

    private async Task<string> PushAsync(string resource, string localImage, string repository, string tag, CancellationToken cancellationToken)
    {
        var remote = $"{repository}:{tag}";
        var tagged = await _docker.RunAsync(["tag", localImage, remote], ShortCommand, cancellationToken).ConfigureAwait(false);
        if (!tagged.Succeeded)
        {
            throw new ImagePipelineException(resource, ImagePipelineStage.Push, $"docker tag {localImage} {remote} failed: {tagged.TailText}");
        }

        CliResult result;
        try
        {
            result = await _docker.RunAsync(["push", remote], _options.PushTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException ex)
        {
            throw new ImagePipelineException(resource, ImagePipelineStage.Push, $"docker push {remote} did not finish within {_options.PushTimeout}.", ex);
        }

        if (!result.Succeeded)
        {
            throw new ImagePipelineException(resource, ImagePipelineStage.Push,
                $"docker push {remote} failed (exit {result.ExitCode}). No reference to it is handed out; rerun the deploy to retry. " +
                $"Last lines:{Environment.NewLine}{Indent(result.Tail.TakeLast(_options.LogTailLines))}");
        }

        var pushed = PushDigest().Match(result.StandardOutput) is { Success: true } match ? match.Groups["digest"].Value : null;
        var confirmed = await Wrap(resource, ImagePipelineStage.Push, $"confirming {remote} after the push failed",
            () => _registry.FindDigestAsync(repository, tag, cancellationToken)).ConfigureAwait(false);
        if (confirmed is null || (pushed is not null && !string.Equals(pushed, confirmed, StringComparison.Ordinal)))
        {
            throw new ImagePipelineException(resource, ImagePipelineStage.Push,
                $"after docker push reported {pushed ?? "no digest"}, the registry shows {confirmed ?? "no image"} for {remote}. " +
                "No reference to it is handed out; rerun the deploy.");
        }

        return confirmed;
    }

    private static string Redact(string text, string secret) =>
        secret.Length == 0 ? text : text.Replace(secret, "****", StringComparison.Ordinal);

    [GeneratedRegex(@"digest: (?<digest>sha256:[0-9a-f]{64})")]
    private static partial Regex PushDigest();
}
