using System.Text.Json;

namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// The package manager that installs a Node app's dependencies: npm, yarn or pnpm, each with its lockfile, its frozen
/// install (never rewrites the lockfile) and the file it leaves in node_modules to record what it installed.
/// </summary>
/// <param name="Name">The package manager's name.</param>
/// <param name="Executable">The command that runs it.</param>
/// <param name="Lockfile">Its lockfile, relative to the app's folder.</param>
/// <param name="InstallMarker">The file an install writes under node_modules, relative to the app's folder.</param>
/// <param name="InstallArgs">The arguments of a frozen install.</param>
public sealed record NodePackageManager(string Name, string Executable, string Lockfile, string InstallMarker, IReadOnlyList<string> InstallArgs)
{
    /// <summary>npm: <c>npm ci</c> from package-lock.json.</summary>
    public static NodePackageManager Npm { get; } = new("npm", "npm", "package-lock.json",
        Path.Combine("node_modules", ".package-lock.json"), ["ci", "--no-audit", "--no-fund"]);

    /// <summary>Yarn 2 and later (Berry): <c>yarn install --immutable</c> from yarn.lock, node_modules linker.</summary>
    public static NodePackageManager Yarn { get; } = new("yarn", "yarn", "yarn.lock",
        Path.Combine("node_modules", ".yarn-state.yml"), ["install", "--immutable"]);

    /// <summary>Yarn 1 (classic), whose yarn.lock says "yarn lockfile v1": <c>yarn install --frozen-lockfile</c>.</summary>
    public static NodePackageManager YarnClassic { get; } = new("yarn", "yarn", "yarn.lock",
        Path.Combine("node_modules", ".yarn-integrity"), ["install", "--frozen-lockfile"]);

    /// <summary>pnpm: <c>pnpm install --frozen-lockfile</c> from pnpm-lock.yaml.</summary>
    public static NodePackageManager Pnpm { get; } = new("pnpm", "pnpm", "pnpm-lock.yaml",
        Path.Combine("node_modules", ".modules.yaml"), ["install", "--frozen-lockfile"]);

    /// <summary>The install command as a developer would type it, for messages.</summary>
    public string InstallCommand => $"{Executable} {string.Join(' ', InstallArgs)}";

    /// <summary>
    /// The package manager whose lockfile the app has: yarn.lock, pnpm-lock.yaml or package-lock.json; npm when there
    /// is none. Two different lockfiles are ambiguous and refused, naming the fix.
    /// </summary>
    public static NodePackageManager Detect(string appDirectory)
    {
        var found = new[] { Npm, Yarn, Pnpm }.Where(pm => File.Exists(Path.Combine(appDirectory, pm.Lockfile))).ToList();
        return found.Count switch
        {
            0 => Npm,
            1 => found[0] == Yarn ? ForYarnLock(appDirectory) : found[0],
            _ => throw new DistributedApplicationException(
                $"'{appDirectory}' has {string.Join(" and ", found.Select(pm => pm.Lockfile))}: say which package manager " +
                $"installs it with {string.Join(", ", found.Select(pm => $"With{char.ToUpperInvariant(pm.Name[0])}{pm.Name[1..]}()"))} " +
                "on the resource, or delete the lockfile that is not used."),
        };
    }

    /// <summary>Yarn classic or Berry, from the lockfile's own header (classic writes "# yarn lockfile v1").</summary>
    internal static NodePackageManager ForYarnLock(string appDirectory)
    {
        var lockfile = Path.Combine(appDirectory, Yarn.Lockfile);
        return File.Exists(lockfile) && File.ReadLines(lockfile).Take(5).Any(l => l.Contains("yarn lockfile v1", StringComparison.Ordinal))
            ? YarnClassic
            : Yarn;
    }

    /// <summary>
    /// Whether dependencies must be installed before the app starts: the install's marker is missing or older than the
    /// lockfile. Checked at every start, so a pulled lockfile change is installed on the next restart. Without a
    /// lockfile there is nothing to install from: a package.json that declares dependencies is then an error.
    /// </summary>
    public bool NeedsInstall(string appDirectory)
    {
        var lockfile = new FileInfo(Path.Combine(appDirectory, Lockfile));
        if (!lockfile.Exists)
        {
            if (DeclaresDependencies(appDirectory) && !Directory.Exists(Path.Combine(appDirectory, "node_modules")))
            {
                throw new DistributedApplicationException(
                    $"'{appDirectory}' declares dependencies but has no {Lockfile}, and installs here are frozen (they never " +
                    $"write a lockfile): run `{Executable} install` there once and commit {Lockfile}.");
            }

            return false;
        }

        var marker = new FileInfo(Path.Combine(appDirectory, InstallMarker));
        return !marker.Exists || marker.LastWriteTimeUtc < lockfile.LastWriteTimeUtc;
    }

    private static bool DeclaresDependencies(string appDirectory)
    {
        var packageJson = Path.Combine(appDirectory, "package.json");
        if (!File.Exists(packageJson))
        {
            return false;
        }

        using var document = JsonDocument.Parse(File.ReadAllText(packageJson));
        return document.RootElement.TryGetProperty("dependencies", out var dependencies)
            && dependencies.ValueKind == JsonValueKind.Object && dependencies.EnumerateObject().Any();
    }
}
