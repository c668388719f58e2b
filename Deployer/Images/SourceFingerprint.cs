using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Aspire.Deployer.Images;

/// <summary>
/// What an image is made of, hashed before anything is built: the Dockerfile, the build arguments, the platform, the
/// base images (by local image ID when present) and every file of the build context that <c>.dockerignore</c> lets
/// through (path, mode and content). Equal inputs give an equal tag on any machine, so a rerun finds its image in the
/// registry and builds and pushes nothing; any change to what the build sees gives a new tag.
/// </summary>
internal sealed partial record SourceFingerprint(string Hash, string? Revision, bool Dirty)
{
    private const string FormatVersion = "aspire-deployer-image-source/v1";

    /// <summary>The immutable tag: <c>&lt;commit12&gt;[-dirty]-&lt;hash16&gt;</c> in a git repository, else <c>src-&lt;hash16&gt;</c>.</summary>
    public string Tag => Revision is null
        ? $"src-{Hash[..16]}"
        : $"{Revision[..Math.Min(12, Revision.Length)]}{(Dirty ? "-dirty" : string.Empty)}-{Hash[..16]}";

    public static async Task<SourceFingerprint> ComputeAsync(
        string contextPath,
        string dockerfilePath,
        IReadOnlyDictionary<string, string> buildArguments,
        string platform,
        DockerCli docker,
        CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Add(string text) => hash.AppendData(Encoding.UTF8.GetBytes(text + "\n"));

        Add(FormatVersion);
        Add($"platform {platform}");
        var dockerfile = await File.ReadAllTextAsync(dockerfilePath, cancellationToken).ConfigureAwait(false);
        Add($"dockerfile {dockerfile.Length.ToString(CultureInfo.InvariantCulture)}");
        Add(dockerfile);
        foreach (var (name, value) in buildArguments.OrderBy(a => a.Key, StringComparer.Ordinal))
        {
            Add($"arg {name}={value}");
        }

        foreach (var baseImage in BaseImages(dockerfile, buildArguments))
        {
            Add($"from {baseImage} {await LocalImageIdAsync(docker, baseImage, cancellationToken).ConfigureAwait(false) ?? "-"}");
        }

        var ignore = DockerIgnore.Load(contextPath);
        foreach (var entry in ContextEntries(contextPath, ignore))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var full = Path.Combine(contextPath, entry);
            var info = new FileInfo(full);
            var mode = OperatingSystem.IsWindows() ? string.Empty : Convert.ToString((int)File.GetUnixFileMode(full), 8);
            if (info.LinkTarget is { } target)
            {
                Add($"link {entry} {target}");
            }
            else if (Directory.Exists(full))
            {
                Add($"dir {entry} {mode}");
            }
            else
            {
                await using var stream = File.OpenRead(full);
                var content = Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false));
                Add($"file {entry} {mode} {content}");
            }
        }

        var digest = Convert.ToHexStringLower(hash.GetHashAndReset());
        var (revision, dirty) = await GitRevisionAsync(docker, contextPath, dockerfilePath, ignore, cancellationToken).ConfigureAwait(false);
        return new SourceFingerprint(digest, revision, dirty);
    }

    /// <summary>The context's entries (files, folders, links) the build sees, relative with '/', in ordinal order.</summary>
    internal static IEnumerable<string> ContextEntries(string contextPath, DockerIgnore ignore)
    {
        var found = new List<string>();
        var pending = new Stack<string>();
        pending.Push(string.Empty);
        while (pending.Count > 0)
        {
            var relativeDirectory = pending.Pop();
            var directory = relativeDirectory.Length == 0 ? contextPath : Path.Combine(contextPath, relativeDirectory);
            foreach (var path in Directory.EnumerateFileSystemEntries(directory))
            {
                var relative = (relativeDirectory.Length == 0 ? string.Empty : relativeDirectory + "/") + Path.GetFileName(path);
                var isDirectory = Directory.Exists(path) && new FileInfo(path).LinkTarget is null;
                if (ignore.IsExcluded(relative))
                {
                    if (isDirectory && !ignore.CanSkipExcludedDirectory(relative))
                    {
                        pending.Push(relative);
                    }

                    continue;
                }

                found.Add(relative);
                if (isDirectory)
                {
                    pending.Push(relative);
                }
            }
        }

        found.Sort(StringComparer.Ordinal);
        return found;
    }

    /// <summary>The images the Dockerfile's FROM lines name, ARGs substituted; earlier stages and scratch left out.</summary>
    internal static IReadOnlyList<string> BaseImages(string dockerfile, IReadOnlyDictionary<string, string> buildArguments)
    {
        var arguments = new Dictionary<string, string>(StringComparer.Ordinal);
        var stages = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var images = new List<string>();
        var seenFrom = false;
        foreach (var raw in dockerfile.Split('\n'))
        {
            var line = raw.Trim();
            if (!seenFrom && ArgLine().Match(line) is { Success: true } arg)
            {
                var name = arg.Groups["name"].Value;
                arguments[name] = buildArguments.TryGetValue(name, out var given) ? given : arg.Groups["value"].Value.Trim('"');
                continue;
            }

            if (FromLine().Match(line) is not { Success: true } from)
            {
                continue;
            }

            seenFrom = true;
            var image = Substitute(from.Groups["image"].Value, arguments);
            if (!stages.Contains(image) && !string.Equals(image, "scratch", StringComparison.OrdinalIgnoreCase))
            {
                images.Add(image);
            }

            if (from.Groups["stage"].Success)
            {
                stages.Add(from.Groups["stage"].Value);
            }
        }

        return images;
    }

    private static string Substitute(string text, Dictionary<string, string> arguments) =>
        Variable().Replace(text, m =>
        {
            var name = m.Groups["braced"].Success ? m.Groups["braced"].Value : m.Groups["plain"].Value;
            return arguments.TryGetValue(name, out var value) && value.Length > 0 ? value : m.Groups["default"].Value;
        });

    private static async Task<string?> LocalImageIdAsync(DockerCli docker, string image, CancellationToken cancellationToken)
    {
        var result = await docker.RunAsync(["image", "inspect", "--format", "{{.Id}}", image], TimeSpan.FromSeconds(30), cancellationToken)
            .ConfigureAwait(false);
        return result.Succeeded ? result.StandardOutput.Trim() : null;
    }

    /// <summary>
    /// The last commit that changed the context or the Dockerfile, and whether what the build sees (the Dockerfile,
    /// files .dockerignore lets through) has uncommitted changes; changes to ignored files do not count.
    /// </summary>
    private static async Task<(string? Revision, bool Dirty)> GitRevisionAsync(
        DockerCli docker, string contextPath, string dockerfilePath, DockerIgnore ignore, CancellationToken cancellationToken)
    {
        try
        {
            var timeout = TimeSpan.FromSeconds(30);
            var log = await docker.RunProcessAsync("git", ["-C", contextPath, "log", "-1", "--format=%H", "--", ".", dockerfilePath], timeout, cancellationToken)
                .ConfigureAwait(false);
            var revision = log.StandardOutput.Trim();
            if (!log.Succeeded || !CommitId().IsMatch(revision))
            {
                return (null, false);
            }

            var root = await docker.RunProcessAsync("git", ["-C", contextPath, "rev-parse", "--show-toplevel"], timeout, cancellationToken).ConfigureAwait(false);
            var status = await docker.RunProcessAsync("git",
                ["-C", contextPath, "status", "--porcelain=v1", "-z", "--no-renames", "--untracked-files=all", "--", ".", dockerfilePath], timeout, cancellationToken)
                .ConfigureAwait(false);
            if (!root.Succeeded || !status.Succeeded)
            {
                return (revision, true);
            }

            var repositoryRoot = root.StandardOutput.Trim();
            var dockerfile = Path.GetFullPath(dockerfilePath);
            var dirty = status.StandardOutput.Split('\0', StringSplitOptions.RemoveEmptyEntries)
                .Where(entry => entry.Length > 3)
                .Select(entry => Path.GetFullPath(Path.Combine(repositoryRoot, entry[3..].TrimEnd('\n', '\r'))))
                .Any(path => path == dockerfile || (Path.GetRelativePath(contextPath, path).Replace('\\', '/') is var relative
                                                     && !relative.StartsWith("../", StringComparison.Ordinal) && !ignore.IsExcluded(relative)));
            return (revision, dirty);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return (null, false); // no git installed
        }
    }

    [GeneratedRegex(@"^ARG\s+(?<name>[A-Za-z_][A-Za-z0-9_]*)(=(?<value>\S*))?", RegexOptions.IgnoreCase)]
    private static partial Regex ArgLine();

    [GeneratedRegex(@"^FROM\s+(--\S+\s+)*(?<image>\S+)(\s+AS\s+(?<stage>\S+))?\s*$", RegexOptions.IgnoreCase)]
    private static partial Regex FromLine();

    [GeneratedRegex(@"\$\{(?<braced>[A-Za-z_][A-Za-z0-9_]*)(:-(?<default>[^}]*))?\}|\$(?<plain>[A-Za-z_][A-Za-z0-9_]*)")]
    private static partial Regex Variable();

    [GeneratedRegex("^[0-9a-f]{40}([0-9a-f]{24})?$")]
    private static partial Regex CommitId();
}
