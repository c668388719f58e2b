using System.Runtime.CompilerServices;

namespace NodeApp.Container.Tests.Infrastructure;

/// <summary>Locates the repository (the folder holding Aspire.sln) from this source file's compile-time path, so
/// the tests find it wherever their binaries were built (`--artifacts-path` included).</summary>
internal static class RepoPaths
{
    private static readonly Lazy<string> LazyRoot = new(() => FindRoot());

    /// <summary>The repository root.</summary>
    public static string Root => LazyRoot.Value;

    /// <summary>The node-app folder: the Docker build context and home of the Dockerfile.</summary>
    public static string NodeApp => Path.Combine(Root, "node-app");

    private static string FindRoot([CallerFilePath] string source = "")
    {
        for (var dir = new DirectoryInfo(Path.GetDirectoryName(source)!); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Aspire.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"Aspire.sln not found above {source}: build the tests from the repository.");
    }
}
