using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;

namespace Aspire.Deployer.Tests.Images.Infrastructure;

/// <summary>What the image pipeline tests need from the machine: a Docker engine and the node base image.</summary>
public static partial class TestEnvironment
{
    private static readonly Lazy<Task<string>> Engine = new(CheckEngineAsync, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>True under CI=true (where nothing may be skipped; these tests never skip anyway).</summary>
    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>The repository root, found from this source file's path (works with any artifacts path).</summary>
    public static string RepoRoot { get; } = FindRoot();

    /// <summary>
    /// The base image node-app/Dockerfile names (its <c>ARG NODE_IMAGE</c> default); the tests' tiny images are
    /// built FROM it, so they need nothing that scripts/base-image.sh does not already provision.
    /// </summary>
    public static string NodeBaseImage { get; } = ReadBaseImage();

    /// <summary>Fails (never skips) unless a Docker engine answers and the base image exists; returns the engine's platform.</summary>
    public static Task<string> EnsureDockerAsync() => Engine.Value;

    /// <summary>Runs docker with arguments; returns exit code and output.</summary>
    public static async Task<(int ExitCode, string Output)> DockerAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("docker") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(120));
        return (process.ExitCode, (await output) + (await error));
    }

    /// <summary>Runs git in a folder with a fixed identity; throws when it fails.</summary>
    public static async Task<string> GitAsync(string directory, params string[] arguments)
    {
        var start = new ProcessStartInfo("git") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = directory };
        foreach (var argument in (string[])["-c", "user.name=issue5", "-c", "user.email=issue5@example.invalid", "-c", "commit.gpgsign=false", .. arguments])
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        return process.ExitCode == 0 ? (await output).Trim() : throw new InvalidOperationException($"git {string.Join(' ', arguments)} failed: {await error}");
    }

    private static async Task<string> CheckEngineAsync()
    {
        (int ExitCode, string Output) version;
        try
        {
            version = await DockerAsync("version", "--format", "{{.Server.Os}}/{{.Server.Arch}}");
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException(Unavailable("no docker CLI on PATH"), ex);
        }

        if (version.ExitCode != 0)
        {
            throw new InvalidOperationException(Unavailable(version.Output.Trim()));
        }

        var image = await DockerAsync("image", "inspect", "--format", "{{.Id}}", NodeBaseImage);
        if (image.ExitCode != 0)
        {
            throw new InvalidOperationException($"The base image {NodeBaseImage} is not in the local engine (nothing can be pulled here): run scripts/base-image.sh.");
        }

        return version.Output.Trim().Split('\n')[0];
    }

    private static string Unavailable(string cause) =>
        "No Docker engine answers, so the image pipeline tests cannot run (they fail rather than skip" +
        (IsCi ? ", and CI=true is set" : string.Empty) + "). Run scripts/docker-engine.sh, then scripts/base-image.sh. Cause: " + cause;

    /// <summary>Removes every local image tag made for <paramref name="app"/> in <paramref name="environment"/> (local and registry tags).</summary>
    public static void RemoveImagesOf(string app, string environment)
    {
        var prefix = $"{app}/{environment}/";
        // By reference, never by image ID: identical sources give identical images, which other tests may still use.
        // An image pulled by digest has no tag, so it is removed by digest.
        var (_, listed) = DockerAsync("image", "ls", "--digests", "--format", "{{.Repository}} {{.Tag}} {{.Digest}}").GetAwaiter().GetResult();
        var mine = listed.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line.Split(' '))
            .Where(parts => parts.Length == 3 && (parts[0].StartsWith(prefix, StringComparison.Ordinal) || parts[0].Contains("/" + prefix, StringComparison.Ordinal)))
            .Select(parts => parts[1] != "<none>" ? $"{parts[0]}:{parts[1]}" : $"{parts[0]}@{parts[2]}")
            .Distinct()
            .ToArray();
        if (mine.Length > 0)
        {
            DockerAsync(["image", "rm", .. mine]).GetAwaiter().GetResult();
        }
    }

    private static string FindRoot([CallerFilePath] string source = "")
    {
        for (var dir = new DirectoryInfo(Path.GetDirectoryName(source)!); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Aspire.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"Aspire.sln not found above {source}.");
    }

    private static string ReadBaseImage()
    {
        var dockerfile = File.ReadAllText(Path.Combine(RepoRoot, "node-app", "Dockerfile"));
        return NodeImageArg().Match(dockerfile) is { Success: true } match
            ? match.Groups["image"].Value
            : throw new InvalidOperationException("node-app/Dockerfile has no `ARG NODE_IMAGE=<image>` default.");
    }

    [GeneratedRegex(@"^\s*ARG\s+NODE_IMAGE=(?<image>\S+)", RegexOptions.Multiline)]
    private static partial Regex NodeImageArg();
}
