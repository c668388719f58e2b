namespace AppHost.Tests;

/// <summary>
/// A throwaway copy of a Node app in a temp folder, for tests that edit sources or install packages: the repository's
/// own folders are never written. Deleted on dispose.
/// </summary>
internal sealed class AppCopy : IDisposable
{
    private AppCopy(DirectoryInfo directory) => Directory = directory;

    public DirectoryInfo Directory { get; }

    public string Path => Directory.FullName;

    /// <summary>
    /// The repository's folder <paramref name="relative"/>, found from this file's compile-time path (tests/AppHost.Tests/),
    /// so it holds wherever the test assembly was built to.
    /// </summary>
    public static string RepoPath(string relative, [System.Runtime.CompilerServices.CallerFilePath] string thisFile = "") =>
        System.IO.Path.GetFullPath(System.IO.Path.Combine(System.IO.Path.GetDirectoryName(thisFile)!, "..", "..", relative));

    /// <summary>Copies a test fixture (Fixtures/NAME, shipped beside the test assembly) without node_modules.</summary>
    public static AppCopy OfFixture(string name) => Of(RepoPath(System.IO.Path.Combine("tests", "AppHost.Tests", "Fixtures", name)), linkNodeModules: false);

    /// <summary>
    /// Copies an app's sources, keeping file times (the install check compares them); with <paramref name="linkNodeModules"/>
    /// its installed node_modules is linked, not copied.
    /// </summary>
    public static AppCopy Of(string source, bool linkNodeModules)
    {
        var copy = new AppCopy(System.IO.Directory.CreateTempSubdirectory("node-app-copy-"));
        foreach (var file in System.IO.Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var relative = System.IO.Path.GetRelativePath(source, file);
            if (relative.Split(System.IO.Path.DirectorySeparatorChar)[0] is "node_modules" or ".yarn" or "test")
            {
                continue;
            }

            var target = System.IO.Path.Combine(copy.Path, relative);
            System.IO.Directory.CreateDirectory(System.IO.Path.GetDirectoryName(target)!);
            File.Copy(file, target);
            File.SetLastWriteTimeUtc(target, File.GetLastWriteTimeUtc(file));
        }

        var modules = System.IO.Path.Combine(source, "node_modules");
        if (linkNodeModules && System.IO.Directory.Exists(modules))
        {
            System.IO.Directory.CreateSymbolicLink(System.IO.Path.Combine(copy.Path, "node_modules"), modules);
        }

        return copy;
    }

    /// <summary>Fails, saying how to get it, unless <paramref name="command"/> is on PATH.</summary>
    public static void RequireOnPath(string command)
    {
        var found = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(System.IO.Path.PathSeparator)
            .Any(dir => File.Exists(System.IO.Path.Combine(dir, command)));
        Assert.True(found,
            $"{command} is not on PATH, and this test installs with it. `bash scripts/test.sh` installs it into .artifacts/tools " +
            "(or run `bash scripts/node-tools.sh` and put .artifacts/tools/node_modules/.bin on PATH).");
    }

    public void Dispose()
    {
        var link = new DirectoryInfo(System.IO.Path.Combine(Path, "node_modules"));
        if (link.Exists && link.LinkTarget is not null)
        {
            link.Delete(); // the link only, never the repository's node_modules behind it
        }

        Directory.Delete(recursive: true);
    }
}
